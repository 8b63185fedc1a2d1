/**
 * The configuration of one launched Janus instance, written into a folder of the run's own (never
 * /etc/janus): the VideoRoom plugin and the WebSocket transport alone, the API on a socket file (or loopback TCP),
 * media gathered on the run's veth (janus-loopback.ts) within a port range of the instance's own.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const janusLibDir = '/usr/lib/x86_64-linux-gnu/janus';

export interface JanusInstanceConfig {
  dir: string;
  /** The WebSocket API: on a socket file, or (for WHIP/WHEP servers in front, which dial TCP) on 127.0.0.1:port. */
  api: { socket: string } | { port: number };
  link: string;
  rtpPorts: { from: number; to: number };
}

const unusedPlugins = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'streaming', 'textroom', 'videocall', 'voicemail'];
const unusedTransports = ['http', 'pfunix', 'mqtt', 'nanomsg', 'rabbitmq'];
const unusedEvents = ['gelfevh', 'mqttevh', 'nanomsgevh', 'rabbitmqevh', 'sampleevh', 'wsevh'];

export function writeJanusConfig(config: JanusInstanceConfig, libDir = janusLibDir): void {
  const so = (names: string[]): string => names.map((n) => `libjanus_${n}.so`).join(',');
  writeFileSync(
    join(config.dir, 'janus.jcfg'),
    `general: {
	configs_folder = "${config.dir}"
	plugins_folder = "${libDir}/plugins"
	transports_folder = "${libDir}/transports"
	events_folder = "${libDir}/events"
	loggers_folder = "${libDir}/loggers"
	debug_level = 4
	protected_folders = ["/bin", "/boot", "/dev", "/etc", "/lib", "/proc", "/sbin", "/sys", "/usr", "/var"]
}
media: {
	ipv6 = false
	rtp_port_range = "${config.rtpPorts.from}-${config.rtpPorts.to}"
}
nat: {
	nice_debug = false
	ice_enforce_list = "${config.link}"
}
plugins: {
	disable = "${so(unusedPlugins)}"
}
transports: {
	disable = "${so(unusedTransports)}"
}
loggers: {
	disable = "libjanus_jsonlog.so"
}
events: {
	broadcast = false
	disable = "${so(unusedEvents)}"
}
`,
  );
  writeFileSync(
    join(config.dir, 'janus.transport.websockets.jcfg'),
    `general: {
	json = "compact"
	ws = true
	${'socket' in config.api ? `ws_unix = "${config.api.socket}"` : `ws_ip = "127.0.0.1"\n\tws_port = ${config.api.port}`}
	wss = false
}
admin: {
	admin_ws = false
	admin_wss = false
}
`,
  );
  writeFileSync(join(config.dir, 'janus.plugin.videoroom.jcfg'), 'general: {\n}\n');
}
