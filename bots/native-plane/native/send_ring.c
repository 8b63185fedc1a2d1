/*
 * send_ring.h's batched sends. On this VM a system call costs about 1.1 us, and a slot's sends one by
 * one gave the SFU time to fall asleep between them, so each woke it anew; submitted together they
 * cost the sender about half (docs/native-plane.md). No liburing: the few ring operations below are
 * the kernel's documented ABI (linux/io_uring.h).
 */
#define _GNU_SOURCE
#include "send_ring.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Packets in flight at most: a slot holds far fewer (256 voice bots a process send about 13 a slot). */
#define RING_ENTRIES 256
#define BUFFER_BYTES 1600

enum { UNTRIED, RING, PLAIN };
static int path = UNTRIED;
static int ring_fd = -1;
static unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
static struct io_uring_sqe *sqes;
static struct io_uring_cqe *cqes;
/* A buffer per request, so a packet's bytes live until the kernel has taken them; user_data names it. */
static uint8_t buffers[RING_ENTRIES][BUFFER_BYTES];
static int free_buffers[RING_ENTRIES], free_count;
static unsigned queued;

static int enter(unsigned submit) { return (int)syscall(__NR_io_uring_enter, ring_fd, submit, 0, 0, NULL, 0); }

static int op_supported(int op) {
  size_t size = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
  struct io_uring_probe *probe = calloc(1, size);
  if (!probe) return 0;
  int ok = syscall(__NR_io_uring_register, ring_fd, IORING_REGISTER_PROBE, probe, 256) >= 0 && op <= probe->last_op &&
           (probe->ops[op].flags & IO_URING_OP_SUPPORTED);
  free(probe);
  return ok;
}

static int ring_open(void) {
  const char *wanted = getenv("RTCSTORM_NATIVE_IO_URING");
  if (wanted && strcmp(wanted, "0") == 0) return 0;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  ring_fd = (int)syscall(__NR_io_uring_setup, RING_ENTRIES, &p);
  if (ring_fd < 0) return 0;
  const size_t sq_bytes = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  const size_t cq_bytes = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  uint8_t *sq = mmap(NULL, sq_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQ_RING);
  uint8_t *cq = mmap(NULL, cq_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_CQ_RING);
  void *entries = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, IORING_OFF_SQES);
  /* The CQ must hold every request in flight, so none is ever dropped. */
  if (sq == MAP_FAILED || cq == MAP_FAILED || entries == MAP_FAILED || p.sq_entries < RING_ENTRIES || p.cq_entries < RING_ENTRIES || !op_supported(IORING_OP_SEND)) {
    if (sq != MAP_FAILED) munmap(sq, sq_bytes);
    if (cq != MAP_FAILED) munmap(cq, cq_bytes);
    if (entries != MAP_FAILED) munmap(entries, p.sq_entries * sizeof(struct io_uring_sqe));
    close(ring_fd);
    ring_fd = -1;
    return 0;
  }
  sq_head = (unsigned *)(sq + p.sq_off.head);
  sq_tail = (unsigned *)(sq + p.sq_off.tail);
  sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  sq_array = (unsigned *)(sq + p.sq_off.array);
  cq_head = (unsigned *)(cq + p.cq_off.head);
  cq_tail = (unsigned *)(cq + p.cq_off.tail);
  cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  sqes = entries;
  for (int i = 0; i < RING_ENTRIES; i++) free_buffers[i] = i;
  free_count = RING_ENTRIES;
  return 1;
}

static int ring_ready(void) {
  if (path == UNTRIED) path = ring_open() ? RING : PLAIN;
  return path == RING;
}

const char *send_ring_path(void) { return ring_ready() ? "io_uring" : "send"; }

/* What the kernel has finished: its buffers are free again. A failed send is a lost packet, as send()'s is. */
static void reap(void) {
  unsigned head = *cq_head;
  const unsigned tail = __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE);
  for (; head != tail; head++) free_buffers[free_count++] = (int)cqes[head & *cq_mask].user_data;
  __atomic_store_n(cq_head, head, __ATOMIC_RELEASE);
}

/* The ring failed as a whole (it never has here): what it has not taken goes out with send(), and send() from now on. */
static void give_up(void) {
  for (unsigned at = __atomic_load_n(sq_head, __ATOMIC_ACQUIRE); at != *sq_tail; at++) {
    const struct io_uring_sqe *e = &sqes[sq_array[at & *sq_mask]];
    send(e->fd, (const void *)(uintptr_t)e->addr, e->len, MSG_DONTWAIT);
  }
  queued = 0;
  path = PLAIN;
}

void send_ring_flush(void) {
  if (path != RING) return;
  while (queued > 0) {
    const int taken = enter(queued);
    if (taken < 0 && errno == EINTR) continue;
    if (taken <= 0) { give_up(); break; }
    queued -= (unsigned)taken;
  }
  reap();
}

int send_ring_send(int fd, const void *p, size_t n) {
  if (!ring_ready() || n > BUFFER_BYTES) return send(fd, p, n, MSG_DONTWAIT) >= 0;
  if (free_count == 0) send_ring_flush();
  if (path != RING || free_count == 0) return send(fd, p, n, MSG_DONTWAIT) >= 0;
  const int b = free_buffers[--free_count];
  memcpy(buffers[b], p, n);
  const unsigned tail = *sq_tail, at = tail & *sq_mask;
  struct io_uring_sqe *e = &sqes[at];
  memset(e, 0, sizeof *e);
  e->opcode = IORING_OP_SEND;
  e->fd = fd;
  e->addr = (uint64_t)(uintptr_t)buffers[b];
  e->len = (uint32_t)n;
  /* Completes (or fails, as send() would) while it is submitted: nothing waits for the socket's room. */
  e->msg_flags = MSG_DONTWAIT;
  e->user_data = (uint64_t)b;
  sq_array[at] = at;
  __atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
  queued++;
  return 1;
}
