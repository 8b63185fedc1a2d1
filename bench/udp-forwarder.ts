/**
 * The SFU's stand-in for the bench's UDP floor (udp-floor.ts), in a child process of its own: one
 * socket on loopback that sends each datagram from a bot's send socket to the receive sockets of
 * the other bots of its room, unchanged. Its rooms come over IPC; it ends with its parent.
 */
import { createSocket } from 'node:dgram';
import { endChild } from '../core/child-exit.js';

/** Per room: each bot's send and receive socket ports. */
export type FloorRooms = Array<Array<{ send: number; receive: number }>>;

const socket = createSocket('udp4');
const listenersOf = new Map<number, number[]>();

process.on('disconnect', () => endChild(0));
process.on('message', (rooms: FloorRooms) => {
  for (const room of rooms) for (const bot of room) listenersOf.set(bot.send, room.filter((other) => other !== bot).map((other) => other.receive));
  process.send?.('ready');
});
socket.on('message', (data, from) => {
  for (const port of listenersOf.get(from.port) ?? []) socket.send(data, port, '127.0.0.1');
});
socket.bind(0, '127.0.0.1', () => process.send?.({ port: socket.address().port }));
