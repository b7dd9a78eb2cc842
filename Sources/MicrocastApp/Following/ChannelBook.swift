import Foundation
import MicrocastCore

/// The owner's Microsub channels, kept as one setting (so store copies and
/// archives carry them). Changes are made one at a time in this process,
/// so two reader apps renaming at once do not lose each other's change;
/// a channel's sources move home before the channel goes, so no source is
/// ever left in a channel that does not exist.
public actor ChannelBook {
    let store: any DataStore

    public init(store: any DataStore) { self.store = store }

    public func channels() async throws -> TimelineChannels {
        TimelineChannels(stored: try await store.settings()[.timelineChannels])
    }

    public func create(name: String) async throws -> TimelineChannel {
        try await change { channels throws(TimelineChannels.Failure) in try channels.create(name: name) }
    }

    public func rename(_ uid: String, to name: String) async throws -> TimelineChannel {
        try await change { channels throws(TimelineChannels.Failure) in try channels.rename(uid, to: name) }
    }

    public func remove(_ uid: String) async throws {
        var channels = try await channels()
        try channels.remove(uid)
        try await store.moveFollows(fromChannel: uid, toChannel: TimelineChannel.home)
        try await store.setSettings([.timelineChannels: channels.stored])
    }

    public func order(_ uids: [String]) async throws {
        try await change { channels throws(TimelineChannels.Failure) in try channels.order(uids) }
    }

    func change<T: Sendable>(_ body: (inout TimelineChannels) throws(TimelineChannels.Failure) -> T) async throws -> T {
        var channels = try await channels()
        let result = try body(&channels)
        try await store.setSettings([.timelineChannels: channels.stored])
        return result
    }
}
