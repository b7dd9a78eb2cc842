import CFFmpeg

/// An audio filter graph from one `abuffer` source to one `abuffersink`, built
/// from a filter description such as `volume=3dB,aresample=44100`. Frees the
/// graph when released.
final class AudioFilterGraph {
    let graph: UnsafeMutablePointer<AVFilterGraph>
    let source: UnsafeMutablePointer<AVFilterContext>
    let sink: UnsafeMutablePointer<AVFilterContext>

    init(sourceArguments: String, description: String) throws(MediaError) {
        guard let graph = avfilter_graph_alloc() else { throw .engine("out of memory") }
        self.graph = graph
        // Filters are single-threaded here: the worker pool already uses every core.
        graph.pointee.nb_threads = 1
        var source: UnsafeMutablePointer<AVFilterContext>?
        var sink: UnsafeMutablePointer<AVFilterContext>?
        guard avfilter_graph_create_filter(&source, avfilter_get_by_name("abuffer"), "in", sourceArguments, nil, graph) >= 0,
            avfilter_graph_create_filter(&sink, avfilter_get_by_name("abuffersink"), "out", nil, nil, graph) >= 0,
            let source, let sink
        else { throw .engine("cannot create the audio filter graph's ends") }
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
        guard parsed >= 0 else { throw .engine("bad audio filter \"\(description)\" (\(FFmpeg.describe(parsed)))") }
        let configured = avfilter_graph_config(graph, nil)
        guard configured >= 0 else { throw .engine("cannot configure audio filters (\(FFmpeg.describe(configured)))") }
    }

    deinit {
        var graph: UnsafeMutablePointer<AVFilterGraph>? = graph
        avfilter_graph_free(&graph)
    }

    /// Makes the sink hand out frames of exactly `samples` (an encoder's frame size).
    func setFrameSize(_ samples: Int32) {
        if samples > 0 { av_buffersink_set_frame_size(sink, UInt32(samples)) }
    }

    /// Pushes a frame (nil to flush), then hands every frame that comes out to `body`.
    func push(_ frame: UnsafeMutablePointer<AVFrame>?, _ body: (UnsafeMutablePointer<AVFrame>) throws(MediaError) -> Void)
        throws(MediaError)
    {
        let added = av_buffersrc_add_frame_flags(source, frame, Int32(AV_BUFFERSRC_FLAG_KEEP_REF))
        guard added >= 0 else { throw .engine("audio filtering failed (\(FFmpeg.describe(added)))") }
        guard let filtered = av_frame_alloc() else { throw .engine("out of memory") }
        var filteredRef: UnsafeMutablePointer<AVFrame>? = filtered
        defer { av_frame_free(&filteredRef) }
        while true {
            let got = av_buffersink_get_frame(sink, filtered)
            if got == mc_averror(EAGAIN) || got == mc_averror_eof() { return }
            guard got >= 0 else { throw .engine("audio filtering failed (\(FFmpeg.describe(got)))") }
            try body(filtered)
            av_frame_unref(filtered)
        }
    }
}
