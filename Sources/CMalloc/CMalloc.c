// The functions are static inline in include/CMalloc.h; a C target needs one source file.
