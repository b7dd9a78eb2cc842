import ArgumentParser
import Foundation
import MicrocastApp
import MicrocastCore

/// How a process that runs jobs copies posts and reads their responses.
struct SyndicationOptions: ParsableArguments {
    @Option(help: "Days a copy's replies, likes and reposts are read for after it is posted.") var backfeedDays: Double = 7
    @Option(help: "Seconds after posting a copy that its responses are first read (then less and less often).")
    var backfeedFirstLook: Double = 60
    @Option(help: "Where AT Protocol handles are resolved (default https://public.api.bsky.app).") var atprotoResolver: String?
    @Option(help: "The did:plc directory (default https://plc.directory).") var plcDirectory: String?

    func validate() throws {
        guard backfeedDays >= 0, backfeedFirstLook >= 1 else { throw ValidationError("--backfeed-days must be ≥ 0 and --backfeed-first-look ≥ 1") }
    }

    var directory: ATProtoDirectory {
        var directory = ATProtoDirectory()
        if let resolver = atprotoResolver.flatMap(URL.init(string:)) { directory.resolver = resolver }
        if let plc = plcDirectory.flatMap(URL.init(string:)) { directory.plc = plc }
        return directory
    }

    func apply(to configuration: inout ServiceConfiguration) {
        configuration.backfeed = BackfeedSchedule(period: backfeedDays * 86_400, first: backfeedFirstLook)
        configuration.atprotoDirectory = directory
    }
}
