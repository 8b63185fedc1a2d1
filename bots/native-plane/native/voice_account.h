/*
 * Receive accounting of a bot's stamped voice streams, in C: the same figures as
 * bots/stream-receiver.ts (ReceiveStats, the playout model, one-way latency, media gaps), computed
 * per packet here and handed to JavaScript once a second. Plain C, no Node-API: rtcstorm_media.c
 * feeds it from the sockets it drains, and exposes it.
 */
#ifndef RTCSTORM_VOICE_ACCOUNT_H
#define RTCSTORM_VOICE_ACCOUNT_H

#include <stdint.h>

typedef struct account account_t;

/* ptime_ms 0: no playout model (filler audio). start_ms: the metric store's 0, to key latencies by their second. */
account_t *account_new(double ptime_ms, double clock_rate_hz, double gap_threshold_ms, double start_ms);
void account_free(account_t *a);

/* One stamped payload as received; 1 if it was counted (not a duplicate, not a straggler of an ended stream). */
int account_packet(account_t *a, double sender_id, double seq, double sent_at_ms, double rtp_timestamp, double arrival_ms, double ssrc);

/*
 * A hint before a packet of RTP stream ssrc is decrypted and counted: its stream's state is fetched
 * into the cache meanwhile, with the slots of RTP sequence number seq (the stamp's, while the SFU
 * keeps the sender's numbering). Nothing changes.
 */
void account_prefetch(const account_t *a, double ssrc, uint32_t seq);

/* The same a socket or two ahead: the account itself, then (once that has come) its lists of live streams. */
void account_prefetch_self(const account_t *a);
void account_prefetch_lists(const account_t *a);

/* Streams that ended: on RTP stream ssrc, or every stream (ssrc < 0). */
void account_end(account_t *a, double ssrc);

/* The latest counted arrival over all streams; -Infinity before the first. */
double account_last_arrival(const account_t *a);

/*
 * The second ending at at_ms, as doubles into out[0, capacity): returns how many were written, or
 * -(how many are needed) if capacity is too small (nothing taken then). The layout (read by
 * bots/native-plane/native-voice-receiver.ts):
 *   streams n, then n rows of ACCOUNT_STREAM_FIELDS;
 *   latency cells m, then m × (second, stored value, count): e2e latency in the store's stored
 *     units (µs) at HDR's lowest equivalent value, by the second of the packets' arrival;
 *   gaps g, then g × (gap ms, arrival ms).
 */
#define ACCOUNT_STREAM_FIELDS 12
enum {
  AS_RECEIVED, AS_EXPECTED, AS_JITTER_MS, AS_HAS_PLAYOUT, AS_FRAMES, AS_CONCEALED, AS_PACKETS, AS_LOST_OR_LATE, AS_LOSS_RUNS,
  AS_PLAYOUT_DELAY_MS, AS_BUFFER_DELAY_MS, AS_NETWORK_DELAY_MS
};
long account_take_second(account_t *a, double at_ms, double *out, long capacity);

#endif
