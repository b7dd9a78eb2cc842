import CFFmpeg
import MediaModel

/// A filter graph from one source to one sink, built from a filter description
/// such as `volume=3dB,aresample=44100` (audio: `abuffer` to `abuffersink`) or
/// `transpose=clock,scale=720:1280` (video: `buffer` to `buffersink`). Frees
/// the graph when released.
public final class FilterGraph {
    /// Whether the graph filters sound (`abuffer`) or pictures (`buffer`).
    public enum Media: Sendable {
        case audio, video

        var label: String { self == .audio ? "audio" : "video" }
        var ends: (source: String, sink: String) { self == .audio ? ("abuffer", "abuffersink") : ("buffer", "buffersink") }
    }

    let graph: UnsafeMutablePointer<AVFilterGraph>
    let source: UnsafeMutablePointer<AVFilterContext>
    let sink: UnsafeMutablePointer<AVFilterContext>

    let media: Media

    /// - Parameter sourceArguments: what the frames pushed in are (`AudioDecoder.frameDescription`).
    public init(_ media: Media = .audio, sourceArguments: String, description: String) throws(MediaError) {
        self.media = media
        guard let graph = avfilter_graph_alloc() else { throw .engine("out of memory") }
        self.graph = graph
        // Audio filters are cheap and run single-threaded (the worker pool
        // already uses every core); scaling 1080p video is not, and slices.
        graph.pointee.nb_threads = media == .audio ? 1 : 0
        var source: UnsafeMutablePointer<AVFilterContext>?
        var sink: UnsafeMutablePointer<AVFilterContext>?
        guard avfilter_graph_create_filter(&source, avfilter_get_by_name(media.ends.source), "in", sourceArguments, nil, graph) >= 0,
            avfilter_graph_create_filter(&sink, avfilter_get_by_name(media.ends.sink), "out", nil, nil, graph) >= 0,
            let source, let sink
        else { throw .engine("cannot create the \(media.label) filter graph's ends") }
        self.source = source
        self.sink = sink

        // The graph description's open input is our source, its open output our sink.
        guard let outputs = avfilter_inout_alloc(), let inputs = avfilter_inout_alloc() else { throw .engine("out of memory") }
        outputs.pointee.name = av_strdup("in")
        outputs.pointee.filter_ctx = source
        outputs.pointee.pad_idx = 0
        outputs.pointee.next = nil
        inputs.pointee.name = av_strdup("out")
        inputs.pointee.filter_ctx = sink
        inputs.pointee.pad_idx = 0
        inputs.pointee.next = nil
        var outputsRef: UnsafeMutablePointer<AVFilterInOut>? = outputs
        var inputsRef: UnsafeMutablePointer<AVFilterInOut>? = inputs
        let parsed = avfilter_graph_parse_ptr(graph, description, &inputsRef, &outputsRef, nil)
        // parse_ptr takes what it links and leaves the rest in the refs for us to free.
        avfilter_inout_free(&outputsRef)
        avfilter_inout_free(&inputsRef)
        guard parsed >= 0 else { throw .engine("bad \(media.label) filter \"\(description)\" (\(FFmpeg.describe(parsed)))") }
        let configured = avfilter_graph_config(graph, nil)
        guard configured >= 0 else { throw .engine("cannot configure \(media.label) filters (\(FFmpeg.describe(configured)))") }
    }

    deinit {
        var graph: UnsafeMutablePointer<AVFilterGraph>? = graph
        avfilter_graph_free(&graph)
    }

    /// The time base of the frames the sink hands out.
    var outputTimeBase: AVRational { av_buffersink_get_time_base(sink) }

    /// Makes the sink hand out frames of exactly `samples` (an encoder's frame size).
    public func setFrameSize(_ samples: Int) {
        if samples > 0 { av_buffersink_set_frame_size(sink, UInt32(samples)) }
    }

    /// Pushes a frame (nil to flush), then hands every frame that comes out to `body`.
    public func push(_ frame: Frame?, _ body: (Frame) throws(MediaError) -> Void) throws(MediaError) {
        try push(frame?.pointer) { filtered throws(MediaError) in try body(Frame(filtered)) }
    }

    func push(
        _ frame: UnsafeMutablePointer<AVFrame>?,
        _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void
    )
        throws(MediaError)
    {
        let added = av_buffersrc_add_frame_flags(source, frame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF))
        guard added >= 0 else { throw .engine("\(media.label) filtering failed (\(FFmpeg.describe(added)))") }
        guard let filtered = av_frame_alloc() else { throw .engine("out of memory") }
        var filteredRef: UnsafeMutablePointer<AVFrame>? = filtered
        defer { av_frame_free(&filteredRef) }
        while true {
            let got = av_buffersink_get_frame(sink, filtered)
            if got == mc_averror(EAGAIN) || got == mc_averror_eof() { return }
            guard got >= 0 else { throw .engine("\(media.label) filtering failed (\(FFmpeg.describe(got)))") }
            try body(filtered)
            av_frame_unref(filtered)
        }
    }
}
