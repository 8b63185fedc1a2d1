/*
 * bots/stream-receiver.ts, core/metrics/media-stats.ts (ReceiveStats) and bots/voice/playout-model.ts
 * in C, operation for operation in IEEE doubles, so both give the same figures on the same packets
 * (test/unit/voice-accounting.test.ts compares them). The comments on why are in those files; this
 * one says only where C differs in form.
 */
#include "voice_account.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- ReceiveStats --------------- */

#define WINDOW 1024
#define WMASK (WINDOW - 1)

/* Each packet reads the doubles and one word of seen: the doubles first, beside the stream's own fields. */
typedef struct {
  double units_per_ms;
  double received, lowest, highest, jitter_units, prev_arrival, prev_rtp, last_arrival, taken_received, taken_expected;
  uint32_t seen[WINDOW / 32];
} stats_t;

static void stats_init(stats_t *s, double clock_rate_hz) {
  memset(s, 0, sizeof *s);
  s->units_per_ms = clock_rate_hz / 1000;
  s->last_arrival = -INFINITY;
}

static uint32_t slot_of(double seq) { return (uint32_t)((int64_t)seq & WMASK); }
static int is_seen(const stats_t *s, double seq) { uint32_t k = slot_of(seq); return (s->seen[k >> 5] & (1u << (k & 31))) != 0; }
static void mark_seen(stats_t *s, double seq) { uint32_t k = slot_of(seq); s->seen[k >> 5] |= 1u << (k & 31); }
static void clear_seen(stats_t *s, double seq) { uint32_t k = slot_of(seq); s->seen[k >> 5] &= ~(1u << (k & 31)); }

/* JavaScript's (a - b) | 0 for two RTP timestamps. */
static int32_t signed_step(double a, double b) { return (int32_t)(uint32_t)((uint32_t)(int64_t)a - (uint32_t)(int64_t)b); }

static double expected_of(const stats_t *s) { return s->received == 0 ? 0 : s->highest - s->lowest + 1; }

static int stats_packet(stats_t *s, double seq, double arrival, double rtp) {
  s->last_arrival = arrival;
  if (s->received == 0) {
    s->lowest = seq;
    s->highest = seq;
  } else if (seq > s->highest) {
    if (seq - s->highest >= WINDOW) memset(s->seen, 0, sizeof s->seen);
    else for (double k = s->highest + 1; k < seq; k++) clear_seen(s, k);
    s->highest = seq;
  } else {
    if (s->highest - seq >= WINDOW || is_seen(s, seq)) return 0;
    if (seq < s->lowest) s->lowest = seq;
  }
  mark_seen(s, seq);
  if (s->received > 0) {
    double d = (arrival - s->prev_arrival) * s->units_per_ms - signed_step(rtp, s->prev_rtp);
    s->jitter_units += (fabs(d) - s->jitter_units) / 16;
  }
  s->received++;
  s->prev_arrival = arrival;
  s->prev_rtp = rtp;
  return 1;
}

/* ---------------------------------------------------------------- the playout model ---------- */

#define BUCKETS 100
#define BUCKET_MS 20.0
#define QUANTILE 0.95
#define FORGET_FACTOR 0.983
#define START_FORGET_WEIGHT 2.0
#define RESAMPLE_INTERVAL_MS 500.0
#define REORDER_FORGET_FACTOR 0.9993
#define MS_PER_LOSS_PERCENT 20.0
#define START_DELAY_MS 80.0
#define MAX_PACKETS_IN_BUFFER 200.0
#define HISTORY_MS 2000.0
#define DELAY_ADJUSTMENT_GRANULARITY_MS 20.0
#define CNG_HIGH_MS 50.0
#define POSTPONE_DECODING_LEVEL 0.5
#define TIME_STRETCH_RATE 0.1
#define FAST_ACCELERATE_RATE 0.5
#define FAR_BEHIND 1024
#define LEFT_AFTER_MS 3000.0
#define RING 256
#define RING_MASK (RING - 1)
#define WINDOW_CAP 256
#define WINDOW_MASK (WINDOW_CAP - 1)

enum { BUFFERED = 1, PLAYED = 2, SKIPPED = 3, SKIPPED_THEN_ARRIVED = 4 };

static double js_min(double a, double b) { return a < b ? a : b; }
static double js_max(double a, double b) { return a > b ? a : b; }

typedef struct {
  double scale, forget, adds, base_forget, negligible;
  double raw[BUCKETS];
} histogram_t;

static void histogram_init(histogram_t *h, double base_forget) {
  h->base_forget = base_forget;
  h->negligible = ldexp(1, -30) / (1 - base_forget);
  h->scale = 1;
  h->forget = 0;
  h->adds = 0;
  double p = 0.5;
  for (int i = 0; i < BUCKETS; i++, p /= 2) h->raw[i] = p;
}

static void histogram_add(histogram_t *h, int index) {
  double f = h->forget;
  if (f == 0) {
    memset(h->raw, 0, sizeof h->raw);
    h->scale = 1;
    h->raw[index] = 1;
  } else {
    h->scale *= f;
    h->raw[index] = h->raw[index] + (1 - f) / h->scale;
    if (h->scale < 1e-200) {
      for (int i = 0; i < BUCKETS; i++) h->raw[i] = h->raw[i] * h->scale;
      h->scale = 1;
    }
  }
  h->adds++;
  if (f != h->base_forget) h->forget = js_min(h->base_forget, js_max(0, 1 - START_FORGET_WEIGHT / (h->adds + 1)));
}

static int histogram_quantile(const histogram_t *h, double q) {
  double s = h->scale, tail = 1 - h->raw[0] * s;
  int i = 0;
  while (tail > 1 - q && i < BUCKETS - 1) {
    i++;
    tail -= h->raw[i] * s;
  }
  return i;
}

static int histogram_minimize_cost(const histogram_t *h, double base_delay_ms) {
  double s = h->scale, loss = 1, best_cost = INFINITY;
  int best = 0;
  for (int i = 0; i < BUCKETS; i++) {
    loss -= h->raw[i] * s;
    if (loss <= h->negligible) loss = 0;
    double cost = js_max(0, i * BUCKET_MS - base_delay_ms) + 100 * MS_PER_LOSS_PERCENT * loss;
    if (cost < best_cost) {
      best_cost = cost;
      best = i;
    }
    if (loss == 0) break;
  }
  return best;
}

/* One packet by sequence number: a slot's fields together, one cache line (JavaScript keeps five arrays). */
typedef struct {
  int64_t seq;
  double ts, arrival, sent;
  uint8_t state;
} packet_slot_t;

/* The fields every packet reads come first, together (a stream is 20 KB, cold by its next packet); the arrays last. */
typedef struct {
  double ptime, samples_per_ms;
  int started, anchor;
  int64_t resolved, highest, last_played_seq, next_buffered;
  double last_ts, last_played_ts;
  int expanding, gap_is_pause;
  uint32_t last_raw_ts;
  int64_t unwrapped;
  int64_t min_head, min_tail, max_head, max_tail;
  double newest_ts;
  int measured;
  double resample_start, max_in_interval, underrun_target, target, offset;
  double last_arrival, counted_until, counted_ms, reported_frames, conceal_budget;
  double concealed, packets, lost_or_late, loss_runs;
  int in_run, run_seen;
  double played_count, playout_sum, buffer_sum, network_sum;
  histogram_t underrun, reorder;
  packet_slot_t ring[RING];
  double min_ts[WINDOW_CAP], min_transit[WINDOW_CAP], max_ts[WINDOW_CAP], max_transit[WINDOW_CAP];
} playout_t;

typedef struct {
  double frames, concealed, packets, lost_or_late, loss_runs, playout_delay, buffer_delay, network_delay; /* NaN: none played */
} playout_second_t;

static void playout_init(playout_t *m, double ptime_ms, double clock_rate_hz) {
  memset(m, 0, sizeof *m);
  m->ptime = ptime_ms;
  m->samples_per_ms = clock_rate_hz / 1000;
  for (int i = 0; i < RING; i++) m->ring[i].seq = -1;
  m->anchor = 1;
  m->next_buffered = -1;
  m->newest_ts = -INFINITY;
  histogram_init(&m->underrun, FORGET_FACTOR);
  histogram_init(&m->reorder, REORDER_FORGET_FACTOR);
  m->resample_start = NAN;
  m->underrun_target = START_DELAY_MS;
  m->target = START_DELAY_MS;
  m->last_arrival = -INFINITY;
  m->conceal_budget = INFINITY;
}

static int slot(int64_t seq) { return (int)(seq & RING_MASK); }

static double unwrap(playout_t *m, uint32_t raw) {
  m->unwrapped += (int32_t)(raw - m->last_raw_ts);
  m->last_raw_ts = raw;
  return (double)m->unwrapped / m->samples_per_ms;
}

static void count_until(playout_t *m, double ms) {
  if (ms > m->counted_until) {
    m->counted_ms += ms - m->counted_until;
    m->counted_until = ms;
  }
}

static void conceal(playout_t *m, double frames) {
  double n = js_min(frames, m->conceal_budget);
  m->concealed += n;
  m->conceal_budget -= n;
}

static void loss_seen(playout_t *m) {
  if (!m->in_run || !m->run_seen) m->loss_runs++;
  m->in_run = 1;
  m->run_seen = 1;
}

static double least_transit(const playout_t *m) { return m->min_transit[m->min_head & WINDOW_MASK]; }
static double largest_delay(const playout_t *m) { return js_max(0, m->max_transit[m->max_head & WINDOW_MASK] - least_transit(m)); }

static void measure(playout_t *m, double ts_ms, double arrival) {
  double transit = arrival - ts_ms;
  if (ts_ms + HISTORY_MS < m->newest_ts) return;
  int reordered = ts_ms < m->newest_ts;
  if (!reordered) {
    m->newest_ts = ts_ms;
    while (m->min_tail > m->min_head && m->min_ts[m->min_head & WINDOW_MASK] + HISTORY_MS < ts_ms) m->min_head++;
    while (m->max_tail > m->max_head && m->max_ts[m->max_head & WINDOW_MASK] + HISTORY_MS < ts_ms) m->max_head++;
    while (m->min_tail > m->min_head && m->min_transit[(m->min_tail - 1) & WINDOW_MASK] >= transit) m->min_tail--;
    while (m->max_tail > m->max_head && m->max_transit[(m->max_tail - 1) & WINDOW_MASK] <= transit) m->max_tail--;
    if (m->min_tail - m->min_head == WINDOW_CAP) m->min_head++;
    if (m->max_tail - m->max_head == WINDOW_CAP) m->max_head++;
    m->min_ts[m->min_tail & WINDOW_MASK] = ts_ms;
    m->min_transit[m->min_tail++ & WINDOW_MASK] = transit;
    m->max_ts[m->max_tail & WINDOW_MASK] = ts_ms;
    m->max_transit[m->max_tail++ & WINDOW_MASK] = transit;
  }
  if (++m->measured < 2) return;
  double relative = js_max(0, transit - least_transit(m));
  if (!reordered) {
    if (isnan(m->resample_start)) m->resample_start = arrival;
    if (arrival - m->resample_start > RESAMPLE_INTERVAL_MS) {
      double index = floor(m->max_in_interval / BUCKET_MS);
      if (index < BUCKETS) histogram_add(&m->underrun, (int)index);
      m->underrun_target = (1 + histogram_quantile(&m->underrun, QUANTILE)) * BUCKET_MS;
      m->resample_start = arrival;
      m->max_in_interval = 0;
    }
    if (relative > m->max_in_interval) m->max_in_interval = relative;
  }
  double index = reordered ? floor(relative / BUCKET_MS) : 0;
  if (index < BUCKETS) histogram_add(&m->reorder, (int)index);
  double reorder_target = (1 + histogram_minimize_cost(&m->reorder, m->underrun_target)) * BUCKET_MS;
  double target = js_min(js_max(m->underrun_target, reorder_target), (3 * MAX_PACKETS_IN_BUFFER * m->ptime) / 4);
  m->target = js_max(target, m->ptime);
}

static void find_next_buffered(playout_t *m, int64_t seq) {
  int64_t next = seq + 1;
  while (next < m->highest && !(m->ring[slot(next)].seq == next && m->ring[slot(next)].state == BUFFERED)) next++;
  m->next_buffered = next;
  m->gap_is_pause = m->ring[slot(next)].ts - m->last_played_ts > ((double)(next - m->last_played_seq) + 0.5) * m->ptime;
}

static void play(playout_t *m, int k, double ts, double due, int late, int after_pause) {
  double arrival = m->ring[k].arrival, sent = m->ring[k].sent;
  m->ring[k].state = PLAYED;
  m->packets++;
  if (late) {
    m->lost_or_late++;
    loss_seen(m);
  } else {
    m->in_run = 0;
  }
  m->played_count++;
  m->playout_sum += due - sent;
  m->buffer_sum += due - arrival;
  m->network_sum += arrival - sent;
  if (!late && !after_pause && !m->expanding) {
    double d = m->offset - least_transit(m);
    double high = m->target + largest_delay(m) + DELAY_ADJUSTMENT_GRANULARITY_MS;
    if (d >= 4 * high) m->offset -= FAST_ACCELERATE_RATE * m->ptime;
    else if (d >= high) m->offset -= TIME_STRETCH_RATE * m->ptime;
    else if (d < m->target) m->offset += js_min(TIME_STRETCH_RATE * m->ptime, m->target - d);
  }
  m->last_ts = m->last_played_ts = ts;
  m->last_played_seq = m->ring[k].seq;
  m->expanding = 0;
}

/* arrived: the sequence number that just came in, or -1. */
static void advance(playout_t *m, double t, int64_t arrived) {
  double ptime = m->ptime;
  while (m->resolved < m->highest) {
    int64_t seq = m->resolved + 1;
    int k = slot(seq);
    if (m->ring[k].seq == seq && m->ring[k].state == BUFFERED) {
      double ts = m->ring[k].ts, arrival = m->ring[k].arrival;
      int after_pause = !m->expanding && ts - m->last_ts > 1.5 * ptime;
      if (after_pause) {
        double base = least_transit(m);
        double d = js_min(js_max(m->offset - base, m->target * POSTPONE_DECODING_LEVEL), m->target + CNG_HIGH_MS);
        m->offset = js_max(base + d, arrival - ts);
      }
      double due = ts + m->offset;
      if (due > t) break;
      int late = 0;
      if (arrival > due) {
        if (seq == arrived) {
          double frames = ceil((arrival - due) / ptime - 1e-9);
          conceal(m, frames);
          m->offset += frames * ptime;
          due += frames * ptime;
          late = 1;
        } else {
          due = arrival;
        }
      }
      play(m, k, ts, due, late, after_pause);
    } else {
      if (m->next_buffered <= seq) find_next_buffered(m, seq);
      int64_t next = m->next_buffered;
      double estimated_ts = js_min(m->last_ts + ptime, m->ring[slot(next)].ts - (double)(next - seq) * ptime);
      if (estimated_ts + m->offset > t) break;
      m->ring[k].seq = seq;
      m->ring[k].state = SKIPPED;
      m->packets++;
      m->lost_or_late++;
      loss_seen(m);
      if (!m->gap_is_pause) {
        conceal(m, 1);
        m->expanding = 1;
      }
      m->last_ts = estimated_ts;
    }
    m->resolved = seq;
  }
}

static void restart(playout_t *m, int64_t seq, double arrival, int gap) {
  if (gap) {
    count_until(m, m->last_arrival + LEFT_AFTER_MS);
    m->counted_until = arrival;
    m->conceal_budget = LEFT_AFTER_MS / m->ptime;
  }
  advance(m, INFINITY, -1);
  int64_t missing = seq - m->highest - 1;
  if (gap && missing > 0) {
    m->packets += (double)missing;
    m->lost_or_late += (double)missing;
    loss_seen(m);
    conceal(m, (double)missing);
  }
  m->resolved = m->highest = seq - 1;
  m->next_buffered = -1;
  m->anchor = 1;
  m->min_head = m->min_tail = m->max_head = m->max_tail = 0;
  m->newest_ts = -INFINITY;
  m->measured = 0;
}

static void playout_packet(playout_t *m, int64_t seq, double rtp_timestamp, double arrival, double sent) {
  uint32_t raw = (uint32_t)(int64_t)rtp_timestamp;
  if (!m->started) {
    m->started = 1;
    m->resolved = m->highest = seq - 1;
    m->last_raw_ts = raw;
    m->unwrapped = raw;
    m->counted_until = m->last_arrival = arrival;
  } else {
    if (seq < m->highest - FAR_BEHIND) return;
    int k = slot(seq);
    if (m->ring[k].seq == seq) {
      if (m->ring[k].state == SKIPPED) {
        m->ring[k].state = SKIPPED_THEN_ARRIVED;
        measure(m, unwrap(m, raw), arrival);
        if (arrival > m->last_arrival) m->last_arrival = arrival;
      }
      return;
    }
    if (seq <= m->resolved) return;
    int gap = arrival - m->last_arrival > LEFT_AFTER_MS;
    if (gap || seq - m->resolved >= RING) restart(m, seq, arrival, gap);
  }
  double ts_ms = unwrap(m, raw);
  measure(m, ts_ms, arrival);
  if (m->anchor) {
    m->anchor = 0;
    m->offset = arrival - ts_ms + m->ptime;
    m->last_ts = m->last_played_ts = ts_ms - m->ptime;
    m->last_played_seq = seq - 1;
    m->expanding = 0;
  }
  int k = slot(seq);
  m->ring[k].seq = seq;
  m->ring[k].state = BUFFERED;
  m->ring[k].ts = ts_ms;
  m->ring[k].arrival = arrival;
  m->ring[k].sent = sent;
  if (seq > m->highest) m->highest = seq;
  if (seq < m->next_buffered) m->next_buffered = -1;
  if (arrival > m->last_arrival) m->last_arrival = arrival;
  advance(m, arrival, seq);
  m->conceal_budget = INFINITY;
}

static playout_second_t playout_take_second(playout_t *m, double now) {
  if (m->started) {
    advance(m, now, -1);
    count_until(m, js_min(now, m->last_arrival + LEFT_AFTER_MS));
  }
  double total = floor(m->counted_ms / m->ptime + 1e-9), n = m->played_count;
  playout_second_t s = {
    .frames = total - m->reported_frames,
    .concealed = m->concealed,
    .packets = m->packets,
    .lost_or_late = m->lost_or_late,
    .loss_runs = m->loss_runs,
    .playout_delay = n > 0 ? m->playout_sum / n : NAN,
    .buffer_delay = n > 0 ? m->buffer_sum / n : NAN,
    .network_delay = n > 0 ? m->network_sum / n : NAN,
  };
  m->reported_frames = total;
  m->concealed = m->packets = m->lost_or_late = m->loss_runs = 0;
  m->played_count = m->playout_sum = m->buffer_sum = m->network_sum = 0;
  m->run_seen = 0;
  return s;
}

/* ---------------------------------------------------------------- the receiver ---------------- */

typedef struct {
  double sender_id, ssrc, highest_seq, network_delay;
  int has_playout;
  stats_t stats;
  playout_t playout;
} stream_t;

typedef struct { double sender_id, highest_seq; } ended_t;
typedef struct { double second, stored; } latency_t;
typedef struct { double gap_ms, arrival; } gap_t;

struct account {
  double ptime, clock_rate, gap_threshold, start_ms, last_arrival;
  stream_t **live, **retired;
  /* The live streams' senders and SSRCs, beside them: a lookup reads one array, not a cold stream each. */
  double *live_ids, *live_ssrcs;
  int live_n, live_cap, live_ids_cap, live_ssrcs_cap, retired_n, retired_cap;
  ended_t *ended;
  int ended_n, ended_cap;
  latency_t *latency;
  long latency_n, latency_cap;
  gap_t *gaps;
  int gaps_n, gaps_cap;
};

#define GROW(items, n, cap) \
  ((n) < (cap) || ((void)((cap) = (cap) ? (cap) * 2 : 8), ((items) = realloc((items), (size_t)(cap) * sizeof *(items))) != NULL))

account_t *account_new(double ptime_ms, double clock_rate_hz, double gap_threshold_ms, double start_ms) {
  account_t *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->ptime = ptime_ms;
  a->clock_rate = clock_rate_hz;
  a->gap_threshold = gap_threshold_ms;
  a->start_ms = start_ms;
  a->last_arrival = -INFINITY;
  return a;
}

static void stream_free(stream_t *s) { free(s); }

void account_free(account_t *a) {
  if (!a) return;
  for (int i = 0; i < a->live_n; i++) stream_free(a->live[i]);
  for (int i = 0; i < a->retired_n; i++) stream_free(a->retired[i]);
  free(a->live);
  free(a->live_ids);
  free(a->live_ssrcs);
  free(a->retired);
  free(a->ended);
  free(a->latency);
  free(a->gaps);
  free(a);
}

double account_last_arrival(const account_t *a) { return a->last_arrival; }

static int find_live(const account_t *a, double sender_id) {
  for (int i = 0; i < a->live_n; i++)
    if (a->live_ids[i] == sender_id) return i;
  return -1;
}

static const ended_t *find_ended(const account_t *a, double sender_id) {
  for (int i = 0; i < a->ended_n; i++)
    if (a->ended[i].sender_id == sender_id) return &a->ended[i];
  return NULL;
}

static stream_t *stream_new(const account_t *a, double sender_id, double ssrc, double seq) {
  /* Without a playout model, the stream stops short of it. */
  stream_t *s = calloc(1, a->ptime > 0 ? sizeof *s : offsetof(stream_t, playout));
  if (!s) return NULL;
  s->sender_id = sender_id;
  s->ssrc = ssrc;
  s->highest_seq = seq;
  stats_init(&s->stats, a->clock_rate);
  if (a->ptime > 0) {
    s->has_playout = 1;
    playout_init(&s->playout, a->ptime, a->clock_rate);
  }
  return s;
}

int account_packet(account_t *a, double sender_id, double seq, double sent_at_ms, double rtp_timestamp, double arrival_ms, double ssrc) {
  int i = find_live(a, sender_id);
  stream_t *s;
  if (i >= 0) {
    s = a->live[i];
  } else {
    const ended_t *ended = find_ended(a, sender_id);
    if (ended && seq <= ended->highest_seq) return 0;
    if (!GROW(a->live, a->live_n, a->live_cap) || !GROW(a->live_ids, a->live_n, a->live_ids_cap) || !GROW(a->live_ssrcs, a->live_n, a->live_ssrcs_cap)) return 0;
    if (!(s = stream_new(a, sender_id, ssrc, seq))) return 0;
    a->live_ids[a->live_n] = sender_id;
    a->live_ssrcs[a->live_n] = ssrc;
    i = a->live_n;
    a->live[a->live_n++] = s;
  }
  if (ssrc >= 0) s->ssrc = a->live_ssrcs[i] = ssrc;
  double previous = s->stats.last_arrival;
  if (!stats_packet(&s->stats, seq, arrival_ms, rtp_timestamp)) return 0;
  if (seq > s->highest_seq) s->highest_seq = seq;
  if (s->has_playout) playout_packet(&s->playout, (int64_t)seq, rtp_timestamp, arrival_ms, sent_at_ms);
  if (GROW(a->latency, a->latency_n, a->latency_cap)) {
    double value = arrival_ms - sent_at_ms;
    a->latency[a->latency_n++] = (latency_t){floor((arrival_ms - a->start_ms) / 1000), value <= 0 ? 0 : round(value * 1000)};
  }
  if (arrival_ms - previous > a->gap_threshold && isfinite(previous) && GROW(a->gaps, a->gaps_n, a->gaps_cap))
    a->gaps[a->gaps_n++] = (gap_t){arrival_ms - previous, arrival_ms};
  if (arrival_ms > a->last_arrival) a->last_arrival = arrival_ms;
  return 1;
}

void account_prefetch(const account_t *a, double ssrc, uint32_t seq) {
  for (int i = 0; i < a->live_n; i++) {
    if (a->live_ssrcs[i] != ssrc) continue;
    const stream_t *s = a->live[i];
    const char *head = (const char *)s;
    for (size_t at = 0; at < offsetof(stream_t, stats.seen); at += 64) __builtin_prefetch(head + at, 1);
    __builtin_prefetch(&s->stats.seen[(seq & WMASK) >> 5], 1);
    if (a->ptime <= 0) return;
    const playout_t *m = &s->playout;
    for (size_t at = 0; at < offsetof(playout_t, underrun); at += 64) __builtin_prefetch((const char *)m + at, 1);
    __builtin_prefetch(&m->reorder, 1);
    __builtin_prefetch(&m->reorder.raw[4], 1);
    __builtin_prefetch(&m->ring[seq & RING_MASK], 1);
    return;
  }
}

void account_prefetch_self(const account_t *a) {
  __builtin_prefetch(a);
  __builtin_prefetch((const char *)a + 64);
}

void account_prefetch_lists(const account_t *a) {
  __builtin_prefetch(a->live_ssrcs);
  __builtin_prefetch(a->live);
}

static void retire(account_t *a, int i) {
  stream_t *s = a->live[i];
  if (!GROW(a->retired, a->retired_n, a->retired_cap)) return;
  memmove(&a->live[i], &a->live[i + 1], (size_t)(a->live_n - i - 1) * sizeof *a->live);
  memmove(&a->live_ids[i], &a->live_ids[i + 1], (size_t)(a->live_n - i - 1) * sizeof *a->live_ids);
  memmove(&a->live_ssrcs[i], &a->live_ssrcs[i + 1], (size_t)(a->live_n - i - 1) * sizeof *a->live_ssrcs);
  a->live_n--;
  a->retired[a->retired_n++] = s;
  for (int e = 0; e < a->ended_n; e++)
    if (a->ended[e].sender_id == s->sender_id) {
      a->ended[e].highest_seq = s->highest_seq;
      return;
    }
  if (GROW(a->ended, a->ended_n, a->ended_cap)) a->ended[a->ended_n++] = (ended_t){s->sender_id, s->highest_seq};
}

void account_end(account_t *a, double ssrc) {
  for (int i = 0; i < a->live_n;)
    if (ssrc < 0 || a->live[i]->ssrc == ssrc) retire(a, i);
    else i++;
}

/* HDR's lowest equivalent value at 3 significant digits (2048 sub-buckets): what hdr-histogram-js counts a value as. */
static double hdr_equivalent(double stored) {
  if (stored < 2048) return stored;
  uint64_t v = (uint64_t)stored;
  int shift = 63 - __builtin_clzll(v | 2047) - 10;
  return (double)((v >> shift) << shift);
}

static int by_second_then_value(const void *x, const void *y) {
  const latency_t *p = x, *q = y;
  if (p->second != q->second) return p->second < q->second ? -1 : 1;
  return p->stored < q->stored ? -1 : p->stored > q->stored;
}

long account_take_second(account_t *a, double at_ms, double *out, long capacity) {
  int streams = a->live_n + a->retired_n;
  for (long i = 0; i < a->latency_n; i++) a->latency[i].stored = hdr_equivalent(a->latency[i].stored);
  qsort(a->latency, (size_t)a->latency_n, sizeof *a->latency, by_second_then_value);
  long cells = 0;
  for (long i = 0; i < a->latency_n; i++)
    if (i == 0 || by_second_then_value(&a->latency[i], &a->latency[i - 1]) != 0) cells++;
  long needed = 3 + (long)streams * ACCOUNT_STREAM_FIELDS + 3 * cells + 2L * a->gaps_n;
  if (needed > capacity) return -needed;

  long at = 0;
  out[at++] = streams;
  for (int i = 0; i < streams; i++) {
    stream_t *s = i < a->live_n ? a->live[i] : a->retired[i - a->live_n];
    double *row = out + at;
    double expected = expected_of(&s->stats);
    row[AS_RECEIVED] = s->stats.received - s->stats.taken_received;
    row[AS_EXPECTED] = expected - s->stats.taken_expected;
    s->stats.taken_received = s->stats.received;
    s->stats.taken_expected = expected;
    row[AS_JITTER_MS] = s->stats.jitter_units / s->stats.units_per_ms;
    row[AS_HAS_PLAYOUT] = s->has_playout;
    if (s->has_playout) {
      playout_second_t p = playout_take_second(&s->playout, at_ms);
      if (!isnan(p.network_delay)) s->network_delay = p.network_delay;
      row[AS_FRAMES] = p.frames;
      row[AS_CONCEALED] = p.concealed;
      row[AS_PACKETS] = p.packets;
      row[AS_LOST_OR_LATE] = p.lost_or_late;
      row[AS_LOSS_RUNS] = p.loss_runs;
      row[AS_PLAYOUT_DELAY_MS] = p.playout_delay;
      row[AS_BUFFER_DELAY_MS] = isnan(p.buffer_delay) ? s->playout.target : p.buffer_delay;
      row[AS_NETWORK_DELAY_MS] = s->network_delay;
    }
    at += ACCOUNT_STREAM_FIELDS;
  }
  for (int i = 0; i < a->retired_n; i++) stream_free(a->retired[i]);
  a->retired_n = 0;

  out[at++] = cells;
  for (long i = 0; i < a->latency_n; i++) {
    if (i == 0 || by_second_then_value(&a->latency[i], &a->latency[i - 1]) != 0) {
      out[at++] = a->latency[i].second;
      out[at++] = a->latency[i].stored;
      out[at++] = 0;
    }
    out[at - 1]++;
  }
  a->latency_n = 0;
  out[at++] = a->gaps_n;
  for (int i = 0; i < a->gaps_n; i++) {
    out[at++] = a->gaps[i].gap_ms;
    out[at++] = a->gaps[i].arrival;
  }
  a->gaps_n = 0;
  return at;
}
