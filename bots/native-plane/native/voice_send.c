/*
 * bots/talk-model.ts, bots/voice/voice-source.ts and the TypeScript sender's packet in C: the same
 * draws from the same seed (mulberry32, core/plan/random.ts), so both planes talk alike
 * (test/unit/voice-send.test.ts compares their packets byte for byte).
 */
#include "voice_send.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MEAN_TALK_MS 1004.0
#define MEAN_PAUSE_MS 1587.0
#define DTX_INTERVAL_MS 400.0
#define STAMP_BYTES 18

enum { NONE, SPEECH, COMFORT_NOISE };

typedef struct {
  uint8_t *bytes;
  int32_t *offsets;
  uint8_t *levels;
  int n;
} frames_t;

struct voice_clip {
  frames_t speech, noise;
};

static int frames_copy(frames_t *f, const uint8_t *bytes, const int32_t *offsets, const uint8_t *levels, int n) {
  size_t total = (size_t)offsets[n];
  f->n = n;
  f->bytes = malloc(total ? total : 1);
  f->offsets = malloc(sizeof *offsets * (size_t)(n + 1));
  f->levels = malloc(n ? (size_t)n : 1);
  if (!f->bytes || !f->offsets || !f->levels) return 0;
  memcpy(f->bytes, bytes, total);
  memcpy(f->offsets, offsets, sizeof *offsets * (size_t)(n + 1));
  memcpy(f->levels, levels, (size_t)n);
  return 1;
}

static void frames_free(frames_t *f) {
  free(f->bytes);
  free(f->offsets);
  free(f->levels);
}

voice_clip_t *voice_clip_new(const uint8_t *speech, const int32_t *speech_offsets, const uint8_t *speech_levels, int speech_n,
                             const uint8_t *noise, const int32_t *noise_offsets, const uint8_t *noise_levels, int noise_n) {
  voice_clip_t *clip = calloc(1, sizeof *clip);
  if (!clip) return NULL;
  if (!frames_copy(&clip->speech, speech, speech_offsets, speech_levels, speech_n) || !frames_copy(&clip->noise, noise, noise_offsets, noise_levels, noise_n)) {
    voice_clip_free(clip);
    return NULL;
  }
  return clip;
}

void voice_clip_free(voice_clip_t *clip) {
  if (!clip) return;
  frames_free(&clip->speech);
  frames_free(&clip->noise);
  free(clip);
}

/* mulberry32, as core/plan/random.ts's seededRandom. */
static double next_random(uint32_t *state) {
  *state += 0x6d2b79f5u;
  uint32_t t = *state;
  t = (t ^ (t >> 15)) * (t | 1);
  t ^= t + (t ^ (t >> 7)) * (t | 61);
  return (double)(t ^ (t >> 14)) / 4294967296.0;
}

void voice_init(voice_t *v, const voice_clip_t *clip, int always, int dtx, uint32_t talk_seed, uint32_t stamp_sender, uint32_t bot_index, double samples_per_packet) {
  memset(v, 0, sizeof *v);
  v->clip = clip;
  v->always = always;
  v->dtx = dtx;
  v->rng = talk_seed;
  v->talking = next_random(&v->rng) < MEAN_TALK_MS / (MEAN_TALK_MS + MEAN_PAUSE_MS);
  v->switch_at = -INFINITY;
  v->last_comfort_noise = -INFINITY;
  v->speech_at = clip->speech.n ? (int)(((uint64_t)bot_index * 7919) % (uint64_t)clip->speech.n) : 0;
  v->noise_at = clip->noise.n ? (int)(bot_index % (uint32_t)clip->noise.n) : 0;
  v->stamp_sender = stamp_sender;
  v->samples_per_packet = samples_per_packet;
}

static int talk_next(voice_t *v, double now) {
  if (v->always) return SPEECH;
  if (now >= v->switch_at) {
    if (isfinite(v->switch_at)) v->talking = !v->talking;
    v->switch_at = now + -(v->talking ? MEAN_TALK_MS : MEAN_PAUSE_MS) * log(1 - next_random(&v->rng));
  }
  if (v->talking) return SPEECH;
  if (!v->dtx || now - v->last_comfort_noise < DTX_INTERVAL_MS) return NONE;
  v->last_comfort_noise = now;
  return COMFORT_NOISE;
}

static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

int voice_packet(voice_t *v, const rtp_header_spec_t *h, uint16_t *wide_seq, double turn, double now_ms, uint8_t *out, int out_len, int *header_bytes) {
  int kind = talk_next(v, now_ms);
  if (kind == NONE) return 0;
  const frames_t *f = kind == SPEECH ? &v->clip->speech : &v->clip->noise;
  if (f->n == 0) return 0;
  int *at = kind == SPEECH ? &v->speech_at : &v->noise_at;
  int frame = *at;
  *at = (frame + 1) % f->n;
  int header = h->wide_seq_id || h->audio_level_id ? 20 : 12;
  int length = f->offsets[frame + 1] - f->offsets[frame];
  if (header + length > out_len || length < STAMP_BYTES) return 0;
  out[0] = header == 12 ? 0x80 : 0x90;
  out[1] = h->payload_type & 0x7f;
  put16(out + 2, v->seq & 0xffff);
  put32(out + 4, (uint32_t)(int64_t)(turn * v->samples_per_packet));
  put32(out + 8, h->ssrc);
  if (header == 20) {
    put16(out + 12, 0xbede);
    put16(out + 14, 1);
    if (h->wide_seq_id) {
      out[16] = (uint8_t)(h->wide_seq_id << 4 | 1);
      put16(out + 17, *wide_seq);
      *wide_seq = (uint16_t)(*wide_seq + 1);
      out[19] = 0;
    } else {
      out[16] = (uint8_t)(h->audio_level_id << 4);
      out[17] = f->levels[frame];
      out[18] = 0;
      out[19] = 0;
    }
  }
  uint8_t *payload = out + header;
  memcpy(payload, f->bytes + f->offsets[frame], (size_t)length);
  uint8_t *stamp = payload + length - STAMP_BYTES;
  put16(stamp, 0x5254);
  put32(stamp + 2, v->stamp_sender);
  put32(stamp + 6, v->seq);
  uint64_t bits;
  memcpy(&bits, &now_ms, sizeof bits);
  for (int i = 0; i < 8; i++) stamp[10 + i] = (uint8_t)(bits >> (56 - 8 * i));
  v->seq++;
  *header_bytes = header;
  return header + length;
}

int voice_skip(voice_t *v, int count, double now_ms, double ptime_ms) {
  int skipped = 0;
  for (int k = count; k >= 1; k--)
    if (talk_next(v, now_ms - k * ptime_ms) != NONE) skipped++;
  return skipped;
}
