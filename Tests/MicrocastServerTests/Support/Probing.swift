import MediaKit
import MediaModel
import TestSupport

/// `Prober.probe` on a thread that never exits, as the product calls the
/// media engine (see `DedicatedExecutor.media`).
func probed(_ path: String) async throws -> MediaProbe {
    try await DedicatedExecutor.media.run { try Prober.probe(path: path) }
}
