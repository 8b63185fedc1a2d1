/*
 * A clock tick's packets sent with one system call: queued into an io_uring and submitted together
 * at the end of the slot. Where the kernel or a sandbox refuses io_uring (or RTCSTORM_NATIVE_IO_URING=0)
 * each packet goes out with send() at once, as before. Plain C, no Node-API; callers hold plane_lock.
 */
#ifndef RTCSTORM_SEND_RING_H
#define RTCSTORM_SEND_RING_H

#include <stddef.h>

/* Queues a copy of p[0, n) for socket fd (sent by the next send_ring_flush), or sends it now; 0 if it could not be sent. */
int send_ring_send(int fd, const void *p, size_t n);

/* Submits what is queued (one system call) and takes back the buffers of what the kernel has sent. */
void send_ring_flush(void);

/* "io_uring" or "send": how send_ring_send sends in this process (it tries io_uring the first time it is asked). */
const char *send_ring_path(void);

#endif
