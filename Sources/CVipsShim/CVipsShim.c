#include "CVipsShim.h"

#include <pango/pangocairo.h>
#include <string.h>

static VipsFailOn fail_mode(int fail_on_truncated) {
    return fail_on_truncated ? VIPS_FAIL_ON_TRUNCATED : VIPS_FAIL_ON_NONE;
}

int mc_vips_open(const char *path, int fail_on_truncated, VipsImage **out) {
    *out = vips_image_new_from_file(path,
        "access", VIPS_ACCESS_SEQUENTIAL,
        "fail_on", fail_mode(fail_on_truncated),
        NULL);
    return *out ? 0 : -1;
}

int mc_vips_open_jpeg_shrunk(const char *path, int shrink, VipsImage **out) {
    *out = vips_image_new_from_file(path,
        "access", VIPS_ACCESS_SEQUENTIAL,
        "fail_on", VIPS_FAIL_ON_TRUNCATED,
        "shrink", shrink,
        NULL);
    return *out ? 0 : -1;
}

int mc_vips_thumbnail(const char *path, int width, int height,
                      const char *export_profile, VipsImage **out) {
    if (export_profile) {
        return vips_thumbnail(path, out, width,
            "height", height,
            "size", VIPS_SIZE_DOWN,
            "export_profile", export_profile,
            NULL);
    }
    return vips_thumbnail(path, out, width,
        "height", height,
        "size", VIPS_SIZE_DOWN,
        NULL);
}

int mc_vips_square(const char *path, int size, VipsImage **out) {
    return vips_thumbnail(path, out, size,
        "height", size,
        "size", VIPS_SIZE_BOTH,
        "crop", VIPS_INTERESTING_CENTRE,
        "export_profile", "srgb",
        NULL);
}

/* The process's one font map, made on first use and never freed. libvips
 * 8.14.1's vips_text draws with Pango's per-thread default font map and hands
 * the layout to the operation, so Pango objects could be released on a
 * libvips worker thread while the drawing thread used the same map; 8.14.2
 * moved to a private map used under a lock. This does the same, outside
 * libvips: the caller holds a lock around every use (Vips.titleCard). */
static PangoFontMap *mc_font_map(void) {
    static PangoFontMap *map = NULL;
    if (!map) map = pango_cairo_font_map_new();
    return map;
}

/* A layout of `markup` in `font` at `points`, wrapped at `width` pixels, centred. */
static PangoLayout *mc_layout(PangoContext *context, const char *markup, const char *font, int points, int width) {
    PangoLayout *layout = pango_layout_new(context);
    PangoFontDescription *description = pango_font_description_from_string(font);
    pango_font_description_set_absolute_size(description, points * PANGO_SCALE);
    pango_layout_set_font_description(layout, description);
    pango_font_description_free(description);
    pango_layout_set_width(layout, width * PANGO_SCALE);
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER);
    pango_layout_set_markup(layout, markup, -1);
    return layout;
}

int mc_text_mask(const char *markup, const char *font, int width, int height, VipsImage **out) {
    *out = NULL;
    PangoContext *context = pango_font_map_create_context(mc_font_map());
    // The largest size whose layout fits the box, found by halving the range.
    int low = 1, high = height > 1 ? height : 1, best = 1;
    while (low <= high) {
        int middle = (low + high) / 2;
        PangoLayout *layout = mc_layout(context, markup, font, middle, width);
        PangoRectangle ink, logical;
        pango_layout_get_pixel_extents(layout, &ink, &logical);
        g_object_unref(layout);
        if (logical.width <= width && logical.height <= height) {
            best = middle;
            low = middle + 1;
        } else {
            high = middle - 1;
        }
    }
    PangoLayout *layout = mc_layout(context, markup, font, best, width);
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(layout, &ink, &logical);
    int w = logical.width > 0 ? logical.width : 1, h = logical.height > 0 ? logical.height : 1;
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_A8, w, h);
    cairo_t *cr = cairo_create(surface);
    cairo_move_to(cr, -logical.x, -logical.y);
    pango_cairo_show_layout(cr, layout);
    cairo_destroy(cr);
    cairo_surface_flush(surface);
    int failed = cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS;
    if (!failed) {
        // Rows without cairo's padding: one byte of coverage per pixel.
        int stride = cairo_image_surface_get_stride(surface);
        unsigned char *rows = cairo_image_surface_get_data(surface);
        unsigned char *pixels = g_malloc((size_t) w * h);
        for (int y = 0; y < h; y++) memcpy(pixels + (size_t) y * w, rows + (size_t) y * stride, w);
        *out = vips_image_new_from_memory_copy(pixels, (size_t) w * h, w, h, 1, VIPS_FORMAT_UCHAR);
        g_free(pixels);
        failed = *out == NULL;
    } else {
        vips_error("mc_text_mask", "cairo could not draw the text");
    }
    cairo_surface_destroy(surface);
    g_object_unref(layout);
    g_object_unref(context);
    return failed ? -1 : 0;
}

int mc_vips_title_card(const char *text, int size, double red, double green, double blue, VipsImage **out) {
    // Intermediate images belong to `scope` and go with it; *out keeps what it needs.
    VipsObject *scope = VIPS_OBJECT(vips_image_new());
    VipsImage **t = (VipsImage **) vips_object_local_array(scope, 7);
    double zero[3] = { 0, 0, 0 };
    double colour[3] = { red, green, blue };
    double white[3] = { 255, 255, 255 };
    int margin = size / 8;
    char *markup = g_markup_escape_text(text, -1);
    int failed =
        // A mask of the text, fitted within the margins: plain pixels, no Pango object behind them.
        mc_text_mask(markup, "sans bold", size - 2 * margin, size / 2, &t[0]) ||
        vips_embed(t[0], &t[1], (size - t[0]->Xsize) / 2, (size - t[0]->Ysize) / 2, size, size, NULL) ||
        vips_black(&t[2], size, size, "bands", 3, NULL) ||
        vips_linear(t[2], &t[3], zero, colour, 3, NULL) ||
        vips_linear(t[2], &t[4], zero, white, 3, NULL) ||
        // White where the mask is, the colour elsewhere, blended along antialiased edges.
        vips_ifthenelse(t[1], t[4], t[3], &t[5], "blend", TRUE, NULL) ||
        vips_cast(t[5], &t[6], VIPS_FORMAT_UCHAR, NULL) ||
        vips_copy(t[6], out, "interpretation", VIPS_INTERPRETATION_sRGB, NULL);
    g_free(markup);
    g_object_unref(scope);
    return failed ? -1 : 0;
}

int mc_vips_copy(VipsImage *in, VipsImage **out) {
    return vips_copy(in, out, NULL);
}

int mc_vips_avg(VipsImage *in, double *out) {
    return vips_avg(in, out, NULL);
}

int mc_vips_flatten_white(VipsImage *in, VipsImage **out) {
    if (!vips_image_hasalpha(in))
        return vips_copy(in, out, NULL);
    // White in the image's own range: 255 for 8-bit, 65535 for 16-bit.
    double white = in->BandFmt == VIPS_FORMAT_USHORT ? 65535.0 : 255.0;
    VipsArrayDouble *background = vips_array_double_newv(3, white, white, white);
    int result = vips_flatten(in, out, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return result;
}

int mc_vips_resize(VipsImage *in, double scale, VipsImage **out) {
    return vips_resize(in, out, scale, NULL);
}

int mc_vips_band_means(VipsImage *in, double *means, int max_bands) {
    VipsImage *stats = NULL;
    if (vips_stats(in, &stats, NULL))
        return -1;
    // Row 0 of the stats matrix covers all bands; row b + 1 covers band b; column 4 is the mean.
    int bands = in->Bands < max_bands ? in->Bands : max_bands;
    for (int band = 0; band < bands; band++)
        means[band] = *VIPS_MATRIX(stats, 4, band + 1);
    g_object_unref(stats);
    return bands;
}

int mc_vips_avifsave_buffer(VipsImage *in, int quality, int effort,
                            void **buffer, size_t *length) {
    return vips_heifsave_buffer(in, buffer, length,
        "Q", quality,
        "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
        "effort", effort,
        "strip", TRUE,
        NULL);
}

int mc_vips_jpegsave_buffer(VipsImage *in, int quality, int interlace, int strip,
                            void **buffer, size_t *length) {
    return vips_jpegsave_buffer(in, buffer, length,
        "Q", quality,
        "strip", strip ? TRUE : FALSE,
        "optimize_coding", TRUE,
        "interlace", interlace ? TRUE : FALSE,
        NULL);
}

int mc_vips_webpsave_buffer(VipsImage *in, int quality,
                            void **buffer, size_t *length) {
    return vips_webpsave_buffer(in, buffer, length,
        "Q", quality,
        "strip", TRUE,
        NULL);
}

int mc_vips_heifsave_buffer(VipsImage *in, int quality, int av1,
                            void **buffer, size_t *length) {
    return vips_heifsave_buffer(in, buffer, length,
        "Q", quality,
        "compression", av1 ? VIPS_FOREIGN_HEIF_COMPRESSION_AV1 : VIPS_FOREIGN_HEIF_COMPRESSION_HEVC,
        "strip", TRUE,
        NULL);
}

int mc_vips_tiffsave_buffer(VipsImage *in, void **buffer, size_t *length) {
    return vips_tiffsave_buffer(in, buffer, length,
        "compression", VIPS_FOREIGN_TIFF_COMPRESSION_DEFLATE,
        "strip", TRUE,
        NULL);
}

int mc_vips_autorot(VipsImage *in, VipsImage **out) {
    return vips_autorot(in, out, NULL);
}

typedef struct {
    mc_should_stop should_stop;
    mc_release release;
    void *opaque;
} mc_stop_check;

static void mc_on_eval(VipsImage *image, VipsProgress *progress, void *data) {
    (void) progress;
    mc_stop_check *check = data;
    if (check->should_stop(check->opaque))
        vips_image_set_kill(image, TRUE);
}

static void mc_free_stop_check(void *data, GClosure *closure) {
    (void) closure;
    mc_stop_check *check = data;
    check->release(check->opaque);
    g_free(check);
}

int mc_vips_stop_when(VipsImage *in, mc_should_stop should_stop, mc_release release,
                      void *opaque, VipsImage **out) {
    if (vips_copy(in, out, NULL))
        return -1;
    mc_stop_check *check = g_new(mc_stop_check, 1);
    check->should_stop = should_stop;
    check->release = release;
    check->opaque = opaque;
    // Progress is signalled on this image for every sink downstream of it.
    vips_image_set_progress(*out, TRUE);
    g_signal_connect_data(*out, "eval", G_CALLBACK(mc_on_eval), check, mc_free_stop_check, 0);
    return 0;
}
