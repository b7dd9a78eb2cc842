import ArgumentParser
import Foundation
import MicrocastApp

/// How a process transcribes episodes and videos; every command that runs
/// media jobs takes these (`serve`, `worker`, `ingest`, `watch`, `import`).
struct TranscriptionOptions: ParsableArguments {
    @Option(
        name: .customLong("transcribe-model"),
        help: """
            The Whisper model episodes and videos are transcribed with: `default` (tiny.en, which the set-up script installs), \
            a faster-whisper model folder, or `off`. Default: $MICROCAST_TRANSCRIBE_MODEL, else `default`.
            """
    )
    var model: String?
    @Option(
        name: .customLong("transcriber-python"),
        help: "The Python that has faster-whisper. Default: $MICROCAST_TRANSCRIBER_PYTHON, else python3 on the PATH."
    )
    var python: String?

    var transcriber: Transcriber {
        let environment = ProcessInfo.processInfo.environment
        return Transcriber(
            model: TranscriptionModel(model ?? environment["MICROCAST_TRANSCRIBE_MODEL"] ?? "default"),
            python: python ?? environment["MICROCAST_TRANSCRIBER_PYTHON"] ?? "python3"
        )
    }
}
