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
}
