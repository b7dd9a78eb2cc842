import Foundation

/// A Microsub channel: a named part of the timeline that the owner sorts
/// followed sources into (a reader app shows one at a time).
public struct TimelineChannel: Sendable, Equatable, Codable {
    public var uid: String
    public var name: String

    public init(uid: String, name: String) {
        self.uid = uid
        self.name = name
    }

    /// Where every source starts, and where a removed channel's sources go.
    public static let home = "home"
    /// The specification reserves it: the site's received responses, first in every list.
    public static let notifications = "notifications"
}

/// The owner's channels in their order, `home` always among them and
/// `notifications` never (it is not stored: it is always first). Pure: the
/// store keeps the list as one setting; these rules decide what may change.
public struct TimelineChannels: Sendable, Equatable {
    public private(set) var list: [TimelineChannel]

    /// Names longer than this are not names.
    public static let longestName = 100

    public init(_ list: [TimelineChannel] = []) {
        var seen = Set<String>()
        self.list = list.filter { $0.uid != TimelineChannel.notifications && seen.insert($0.uid).inserted }
        if !seen.contains(TimelineChannel.home) { self.list.insert(TimelineChannel(uid: TimelineChannel.home, name: "Home"), at: 0) }
    }

    /// Why a change to the channels was refused, in words for the reader app's owner.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The list as stored (the setting's value), and read back; an unreadable value is the default list.
    public var stored: String { String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self) }

    public init(stored: String?) {
        let decoded = stored.flatMap { try? JSONDecoder().decode([TimelineChannel].self, from: Data($0.utf8)) }
        self.init(decoded ?? [])
    }

    public func channel(_ uid: String) -> TimelineChannel? { list.first { $0.uid == uid } }

    /// A new channel at the end of the list, its uid made from its name.
    public mutating func create(name: String) throws(Failure) -> TimelineChannel {
        let name = try Self.checked(name)
        let stem = Self.slug(name)
        var uid = stem
        var number = 2
        while uid == TimelineChannel.notifications || channel(uid) != nil {
            uid = "\(stem)-\(number)"
            number += 1
        }
        let channel = TimelineChannel(uid: uid, name: name)
        list.append(channel)
        return channel
    }

    public mutating func rename(_ uid: String, to name: String) throws(Failure) -> TimelineChannel {
        let name = try Self.checked(name)
        guard let index = list.firstIndex(where: { $0.uid == uid }) else { throw Self.unknown(uid) }
        list[index].name = name
        return list[index]
    }

    /// Takes a channel out of the list; its sources are the caller's to move home.
    public mutating func remove(_ uid: String) throws(Failure) {
        guard uid != TimelineChannel.home else { throw Failure(description: "the home channel cannot be deleted") }
        guard let index = list.firstIndex(where: { $0.uid == uid }) else { throw Self.unknown(uid) }
        list.remove(at: index)
    }

    /// Puts the channels named in the order given, in the places they held
    /// among themselves; the others keep their places (a reader app may send a subset).
    public mutating func order(_ uids: [String]) throws(Failure) {
        let named = uids.filter { $0 != TimelineChannel.notifications }
        for uid in named where channel(uid) == nil { throw Self.unknown(uid) }
        guard Set(named).count == named.count else { throw Failure(description: "a channel is named twice in the order") }
        let places = list.indices.filter { named.contains(list[$0].uid) }
        let moved = named.compactMap(channel)
        for (place, channel) in zip(places, moved) { list[place] = channel }
    }

    static func unknown(_ uid: String) -> Failure { Failure(description: "there is no channel \"\(uid)\"") }

    static func checked(_ name: String) throws(Failure) -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw Failure(description: "a channel needs a name") }
        guard trimmed.count <= longestName else { throw Failure(description: "a channel's name is at most \(longestName) characters") }
        return trimmed
    }

    /// Lower-case letters and digits joined by hyphens; "channel" when a name has none (an emoji, a script without Latin letters).
    static func slug(_ name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        let words = folded.unicodeScalars.split { !(("a"..."z").contains($0) || ("0"..."9").contains($0)) }
        let slug = words.map { String(String.UnicodeScalarView($0)) }.joined(separator: "-")
        return slug.isEmpty ? "channel" : String(slug.prefix(40))
    }
}
