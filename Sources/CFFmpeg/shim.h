// FFmpeg's headers, plus static-inline stand-ins for the function-like macros
// Swift cannot import (AVERROR, AVERROR_EOF, AV_NOPTS_VALUE, AV_TIME_BASE_Q).
#ifndef MICROCAST_CFFMPEG_SHIM_H
#define MICROCAST_CFFMPEG_SHIM_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <libavutil/avutil.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/dict.h>
#include <libavutil/opt.h>
#include <libavutil/samplefmt.h>

static inline int mc_averror(int posixError) { return AVERROR(posixError); }
static inline int mc_averror_eof(void) { return AVERROR_EOF; }
static inline int64_t mc_av_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational mc_av_time_base_q(void) { return AV_TIME_BASE_Q; }

#endif
