// Fixed-signature wrappers for the libvips calls Swift cannot make: every
// vips operation takes a NULL-terminated list of optional arguments.
//
// Ownership: every `VipsImage **out` receives a new reference that the caller
// releases with g_object_unref; every `void **buffer` receives memory that the
// caller releases with g_free. Each function returns 0 on success and -1 on
// failure, with the reason in vips_error_buffer().
#ifndef MICROCAST_CVIPSSHIM_H
#define MICROCAST_CVIPSSHIM_H

#include <stddef.h>
#include <vips/vips.h>

/// Opens an image for sequential reading: only the header is read now.
/// With `fail_on_truncated`, a later decode of a damaged file is an error
/// instead of grey pixels.
int mc_vips_open(const char *path, int fail_on_truncated, VipsImage **out);

/// Opens a JPEG for sequential reading at 1/`shrink` size (libjpeg scales
/// while decoding, so a full decode is cheap); a truncated file is an error.
int mc_vips_open_jpeg_shrunk(const char *path, int shrink, VipsImage **out);

/// Shrink-on-load thumbnail that fits within `width` x `height`, never
/// upscaling, EXIF orientation applied, converted to `export_profile`
/// ("srgb") when that is not NULL. (libvips 8.14's thumbnail takes no loader
/// options, so damage is caught earlier, by a decode with mc_vips_open.)
int mc_vips_thumbnail(const char *path, int width, int height,
                      const char *export_profile, VipsImage **out);

/// A `size` x `size` square cut from the middle of the image (upscaling
/// allowed), orientation applied, in sRGB: podcast artwork.
int mc_vips_square(const char *path, int size, VipsImage **out);

/// A one-band mask of Pango `markup` in `font`, at the largest size that
/// fits `width` x `height`, centred lines: coverage 0–255 per pixel. Drawn
/// with the process's own font map; callers hold one lock around every call.
int mc_text_mask(const char *markup, const char *font, int width, int height, VipsImage **out);

/// A `size` x `size` card: `text` in white, centred and fitted, on a solid
/// colour. The generated default artwork of a new show.
int mc_vips_title_card(const char *text, int size, double red, double green, double blue, VipsImage **out);

int mc_vips_copy(VipsImage *in, VipsImage **out);
int mc_vips_avg(VipsImage *in, double *out);

/// Composites an image with an alpha channel onto white (a copy otherwise):
/// JPEG has no transparency, and white is what a page shows behind it.
int mc_vips_flatten_white(VipsImage *in, VipsImage **out);

/// Scales by `scale` (below 1 to shrink) with libvips's default Lanczos kernel.
int mc_vips_resize(VipsImage *in, double scale, VipsImage **out);

/// The mean of each of the first `max_bands` bands into `means`; returns the
/// number of bands written, or -1.
int mc_vips_band_means(VipsImage *in, double *means, int max_bands);

/// AVIF through libheif's AV1 encoder; `effort` 0 (fast) to 9 (small).
int mc_vips_avifsave_buffer(VipsImage *in, int quality, int effort,
                            void **buffer, size_t *length);

/// With `strip` 0 the saver writes the EXIF fields still on the image (and
/// nothing else), which is how a kept copyright notice survives.
int mc_vips_jpegsave_buffer(VipsImage *in, int quality, int interlace, int strip,
                            void **buffer, size_t *length);
int mc_vips_webpsave_buffer(VipsImage *in, int quality,
                            void **buffer, size_t *length);

/// HEIC (HEVC, `av1` 0) or AVIF (`av1` 1) with no metadata, at libheif's default speed.
int mc_vips_heifsave_buffer(VipsImage *in, int quality, int av1,
                            void **buffer, size_t *length);
/// Deflate-compressed (lossless) TIFF with no metadata.
int mc_vips_tiffsave_buffer(VipsImage *in, void **buffer, size_t *length);

/// Asked during evaluation whether work should stop; nonzero stops it.
typedef int (*mc_should_stop)(void *opaque);
/// Releases `opaque` once the image no longer needs it.
typedef void (*mc_release)(void *opaque);

/// A copy of `in` whose evaluation, and that of every image made from it,
/// asks `should_stop(opaque)` as it goes (libvips's "eval" progress signal)
/// and is killed when the answer is nonzero: the sink then fails with
/// "killed". `release(opaque)` runs when the copy is finalised.
int mc_vips_stop_when(VipsImage *in, mc_should_stop should_stop, mc_release release,
                      void *opaque, VipsImage **out);

/// Turns the pixels upright by the EXIF orientation and removes the tag.
int mc_vips_autorot(VipsImage *in, VipsImage **out);

#endif
