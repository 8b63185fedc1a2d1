/*
 * A bot's voice sent from C: the talk model (bots/talk-model.ts), the clip's next frame
 * (bots/voice/voice-source.ts), the stamp (bots/opus-stamp.ts) and the RTP header
 * (bots/srtp/rtp-packet.ts), the same packets as the TypeScript sender makes, built into a buffer
 * for rtcstorm_media.c to protect and send. Plain C, no Node-API.
 */
#ifndef RTCSTORM_VOICE_SEND_H
#define RTCSTORM_VOICE_SEND_H

#include <stdint.h>

typedef struct voice_clip voice_clip_t;

/* Frames as stamped templates (the stamp's 18 bytes last, overwritten per packet) back to back, offsets[n + 1], and each one's audio level byte. */
voice_clip_t *voice_clip_new(const uint8_t *speech, const int32_t *speech_offsets, const uint8_t *speech_levels, int speech_n,
                             const uint8_t *noise, const int32_t *noise_offsets, const uint8_t *noise_levels, int noise_n);
void voice_clip_free(voice_clip_t *clip);

typedef struct {
  const voice_clip_t *clip;
  int always, dtx, talking;
  double switch_at, last_comfort_noise;
  uint32_t rng;
  int speech_at, noise_at;
  uint32_t stamp_sender, seq;
  double samples_per_packet;
} voice_t;

/* The RTP header a send path writes: one-byte extensions (RFC 8285), transport-wide sequence number before audio level. */
typedef struct {
  uint32_t ssrc;
  uint8_t payload_type;
  int wide_seq_id, audio_level_id;
} rtp_header_spec_t;

/* talk_seed seeds the talk model's own mulberry32 (its first draw is whether it starts talking). */
void voice_init(voice_t *v, const voice_clip_t *clip, int always, int dtx, uint32_t talk_seed, uint32_t stamp_sender, uint32_t bot_index, double samples_per_packet);

/* This packet time's packet into out (room for MAX header + frame), or 0 for none; *header_bytes: where its payload starts. */
int voice_packet(voice_t *v, const rtp_header_spec_t *h, uint16_t *wide_seq, double turn, double now_ms, uint8_t *out, int out_len, int *header_bytes);

/* count packet times missed before now_ms, ptime_ms apart: how many the talk model would have filled. */
int voice_skip(voice_t *v, int count, double now_ms, double ptime_ms);

#endif
