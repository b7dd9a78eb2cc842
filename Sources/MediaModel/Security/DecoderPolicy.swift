/// What an upload may make the media libraries do: which of FFmpeg's
/// demuxers and decoders and which of libvips's loaders may open it. Nothing
/// that names other files or URLs (playlists, concat lists, image sequences),
/// and none of the hundreds of rarely used decoders whose bugs nobody would
/// reach otherwise.
public enum DecoderPolicy {
    /// FFmpeg's input protocols: local files only, so no upload can make the server fetch.
    public static let protocols = "file"

    /// FFmpeg demuxers an upload may be opened with.
    public static let demuxers = "mov,mp4,m4a,3gp,mp3,aac,wav,flac,ogg,matroska,webm,aiff"

    /// FFmpeg decoders: the codecs phones, cameras and recorders write; cover art is JPEG or PNG.
    public static let decoders: [String] = [
        "aac", "aac_fixed", "aac_latm", "alac", "flac", "mp3", "mp3float", "mp2", "mp2float", "vorbis", "libvorbis", "opus",
        "libopus", "ac3", "eac3", "pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_s32be", "pcm_f32le",
        "pcm_f32be", "pcm_f64le", "pcm_u8", "pcm_alaw", "pcm_mulaw", "h264", "hevc", "vp8", "vp9", "libvpx", "libvpx-vp9",
        "av1", "libdav1d", "libaom-av1", "mpeg4", "mjpeg", "png", "prores",
    ]

    /// libvips loaders. Everything else (ImageMagick, PDF, SVG, FITS, matrix
    /// files, ...) stays blocked.
    public static let imageLoaders = [
        "VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
        "VipsForeignLoadNsgif", "VipsForeignLoadTiff", "VipsForeignLoadHeif",
    ]
}
