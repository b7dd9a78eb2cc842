#include "CVipsShim.h"

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

int mc_vips_copy(VipsImage *in, VipsImage **out) {
    return vips_copy(in, out, NULL);
}

int mc_vips_avg(VipsImage *in, double *out) {
    return vips_avg(in, out, NULL);
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
