import ArgumentParser

@main
struct Microcast: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "microcast",
        abstract: "Self-hosted microcasts, videos and photos: Micropub in, podcast feed and pages out.",
        subcommands: [
            Serve.self, Ingest.self, Watch.self, Export.self, TokenCommand.self, OwnerCommand.self, SiteCommand.self, ShowCommand.self,
            Probe.self, WorkerCommand.self, StoreCommand.self, MentionsCommand.self, StatsCommand.self, SyndicateCommand.self,
            FediverseCommand.self, ImportCommand.self, FollowCommand.self, UnfollowCommand.self, FollowingCommand.self, MediaCommand.self,
            MediaChildCommand.self,
        ]
    )

    static func main() async {
        // Before the first await: a media child enters its sandbox while it has one thread.
        MediaChildCommand.runIfAsked()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
