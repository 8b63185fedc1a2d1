/** What this process has used so far (the UDP floor's sockets live in it). */

/** Every thread of this process. */
export const cpuMs = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
