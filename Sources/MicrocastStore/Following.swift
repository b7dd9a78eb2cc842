import Foundation
import GRDB
import MicrocastCore

extension FeedFormat: DatabaseValueConvertible {}

/// A row of `follows`: the feed found behind an address, flattened.
struct FollowRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "follows"
    var id: Int64?
    var address: String
    var feedURL: String
    var format: FeedFormat
    var hub: String?
    var topic: String
    var title: String?
    var etag: String?
    var lastModified: String?
    var interval: Double
    var nextPollAt: Date
    var lastPolledAt: Date?
    var failures: Int
    var lastError: String?
    var createdAt: Date
    var channel: String

    init(_ follow: Follow) {
        id = follow.id == 0 ? nil : follow.id
        address = follow.address
        feedURL = follow.feed.url.absoluteString
        format = follow.feed.format
        hub = follow.feed.hub?.absoluteString
        topic = follow.feed.topic.absoluteString
        title = follow.title
        etag = follow.etag
        lastModified = follow.lastModified
        interval = follow.interval
        nextPollAt = follow.nextPollAt
        lastPolledAt = follow.lastPolledAt
        failures = follow.failures
        lastError = follow.lastError
        createdAt = follow.createdAt
        channel = follow.channel
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    func follow() throws -> Follow {
        guard let url = URL(string: feedURL), let topicURL = URL(string: topic) else {
            throw DatabaseError(message: "follows row \(id ?? 0) has an unreadable feed URL")
        }
        return Follow(
            id: id ?? 0,
            address: address,
            feed: DiscoveredFeed(url: url, format: format, hub: hub.flatMap(URL.init(string:)), topic: topicURL),
            title: title,
            etag: etag,
            lastModified: lastModified,
            interval: interval,
            nextPollAt: nextPollAt,
            lastPolledAt: lastPolledAt,
            failures: failures,
            lastError: lastError,
            createdAt: createdAt,
            channel: channel
        )
    }
}

/// A row of `timeline`: one entry from a followed source, stored whole as JSON.
struct TimelineRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "timeline"
    var id: Int64?
    var followId: Int64
    var entryId: String
    var entry: String
    var sortDate: Date
    var addedAt: Date
    /// The entry's kind, kept beside it for the timeline's filter.
    var kind: String
    var isRead: Bool
    var isRemoved: Bool

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    init(_ item: TimelineItem) throws {
        id = item.id == 0 ? nil : item.id
        followId = item.followId
        entryId = item.entry.id
        entry = String(decoding: try StoreJSON.encoder.encode(item.entry), as: UTF8.self)
        sortDate = item.sortDate
        addedAt = item.addedAt
        kind = item.entry.kind.rawValue
        isRead = item.isRead
        isRemoved = item.isRemoved
    }

    func item() throws -> TimelineItem {
        TimelineItem(
            id: id ?? 0,
            followId: followId,
            entry: try JSONDecoder().decode(TimelineEntry.self, from: Data(entry.utf8)),
            sortDate: sortDate,
            addedAt: addedAt,
            isRead: isRead,
            isRemoved: isRemoved
        )
    }
}

extension SQLiteStore: FollowingRepository {
    public func addFollow(_ follow: Follow, entries: [TimelineEntry], jobs: [JobRequest]) async throws -> Follow {
        defer { if !jobs.isEmpty { wakeUps.wakeAll() } }
        return try await pool.write { db in
            var record = FollowRecord(follow)
            if let existing = try FollowRecord.filter(Column("address") == follow.address).fetchOne(db) {
                record.id = existing.id
                record.createdAt = existing.createdAt
                record.channel = existing.channel
                try record.update(db)
            } else {
                try record.insert(db)
            }
            let id = record.id ?? 0
            _ = try Self.addEntries(entries, followId: id, now: follow.createdAt, db)
            try Self.enqueue(jobs, now: follow.createdAt, db)
            return try record.follow()
        }
    }

    public func follows() async throws -> [Follow] {
        try await pool.read { db in try FollowRecord.order(Column("address")).fetchAll(db).map { try $0.follow() } }
    }

    public func follow(address: String) async throws -> Follow? {
        try await pool.read { db in try FollowRecord.filter(Column("address") == address).fetchOne(db)?.follow() }
    }

    public func removeFollow(address: String, jobs: [JobRequest]) async throws -> Bool {
        defer { if !jobs.isEmpty { wakeUps.wakeAll() } }
        return try await pool.write { db in
            guard let record = try FollowRecord.filter(Column("address") == address).fetchOne(db), let id = record.id else { return false }
            try TimelineRecord.filter(Column("followId") == id).deleteAll(db)
            try Self.enqueue(jobs, now: Date(), db)
            return try FollowRecord.deleteOne(db, key: id)
        }
    }

    public func claimDueFollow(now: Date, lease: TimeInterval) async throws -> Follow? {
        // An idle poll looks under a read first, as job claims do.
        let due = try await pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM follows WHERE nextPollAt <= ?)", arguments: [now])
        }
        guard due == true else { return nil }
        return try await pool.write { db in
            guard var record = try FollowRecord.filter(Column("nextPollAt") <= now).order(Column("nextPollAt"), Column("id")).fetchOne(db) else {
                return nil
            }
            record.nextPollAt = now.addingTimeInterval(lease)
            try record.update(db)
            return try record.follow()
        }
    }

    public func claimFollows(address: String?, now: Date, lease: TimeInterval) async throws -> [Follow] {
        try await pool.write { db in
            let rows = address.map { FollowRecord.filter(Column("address") == $0) } ?? FollowRecord.all()
            return try rows.order(Column("address")).fetchAll(db).map { record in
                var taken = record
                taken.nextPollAt = now.addingTimeInterval(lease)
                try taken.update(db)
                return try taken.follow()
            }
        }
    }

    public func recordPoll(followId: Int64, _ result: FollowPollResult, now: Date) async throws -> Int {
        try await pool.write { db in
            guard var record = try FollowRecord.fetchOne(db, key: followId) else { return 0 }
            if case .pushed(let entries) = result { return try Self.addEntries(entries, followId: followId, now: now, db) }
            var added = 0
            record.lastPolledAt = now
            switch result {
            case .read(let entries, let etag, let lastModified, let title, let interval):
                added = try Self.addEntries(entries, followId: followId, now: now, db)
                record.etag = etag
                record.lastModified = lastModified
                if let title { record.title = title }
                record.interval = interval
                record.failures = 0
                record.lastError = nil
            case .unchanged(let interval):
                record.interval = interval
                record.failures = 0
                record.lastError = nil
            case .failed(let reason, let interval):
                record.failures += 1
                record.lastError = reason
                record.interval = interval
            case .pushed:
                break
            }
            record.nextPollAt = now.addingTimeInterval(record.interval)
            try record.update(db)
            return added
        }
    }

    public func timeline(_ query: TimelineQuery) async throws -> [TimelineItem] {
        try await pool.read { db in
            var request = Self.shown.order(Column("sortDate").desc, Column("id").desc).limit(query.limit)
            if let before = query.before, let anchor = try TimelineRecord.fetchOne(db, key: before) {
                request = request.filter(
                    Column("sortDate") < anchor.sortDate || (Column("sortDate") == anchor.sortDate && Column("id") < before)
                )
            }
            if let followId = query.followId { request = request.filter(Column("followId") == followId) }
            if let kind = query.kind { request = request.filter(Column("kind") == kind.rawValue) }
            if let channel = query.channel { request = request.filter(Self.inChannel(channel)) }
            return try request.fetchAll(db).map { try $0.item() }
        }
    }

    public func timelineItem(id: Int64) async throws -> TimelineItem? {
        try await pool.read { db in try TimelineRecord.fetchOne(db, key: id)?.item() }
    }

    public func timelineItem(url: String) async throws -> TimelineItem? {
        try await pool.read { db in
            try TimelineRecord.fetchOne(
                db,
                sql: "SELECT * FROM timeline WHERE json_extract(entry, '$.url') = ? ORDER BY id DESC LIMIT 1",
                arguments: [url]
            )?
            .item()
        }
    }

    public func forgetTimeline(before date: Date) async throws -> Int {
        try await pool.write { db in try TimelineRecord.filter(Column("sortDate") < date).deleteAll(db) }
    }

    public func markTimeline(ids: [Int64], read: Bool) async throws {
        try await pool.write { db in _ = try TimelineRecord.filter(keys: ids).updateAll(db, Column("isRead").set(to: read)) }
    }

    public func markTimelineRead(through id: Int64, channel: String?) async throws {
        try await pool.write { db in
            guard let anchor = try TimelineRecord.fetchOne(db, key: id) else { return }
            var request = TimelineRecord.filter(
                Column("sortDate") < anchor.sortDate || (Column("sortDate") == anchor.sortDate && Column("id") <= id)
            )
            .filter(Column("isRead") == false)
            if let channel { request = request.filter(Self.inChannel(channel)) }
            _ = try request.updateAll(db, Column("isRead").set(to: true))
        }
    }

    public func timelineUnreadCounts() async throws -> [String: Int] {
        try await pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT follows.channel AS channel, COUNT(*) AS unread FROM timeline JOIN follows ON follows.id = timeline.followId
                    WHERE NOT timeline.isRead AND NOT timeline.isRemoved GROUP BY follows.channel
                    """
            )
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["channel"] as String, $0["unread"] as Int) })
        }
    }

    public func removeFromTimeline(ids: [Int64]) async throws {
        try await pool.write { db in _ = try TimelineRecord.filter(keys: ids).updateAll(db, Column("isRemoved").set(to: true)) }
    }

    public func setFollowChannel(address: String, channel: String) async throws -> Bool {
        try await pool.write { db in
            try FollowRecord.filter(Column("address") == address).updateAll(db, Column("channel").set(to: channel)) > 0
        }
    }

    public func moveFollows(fromChannel from: String, toChannel to: String) async throws {
        try await pool.write { db in _ = try FollowRecord.filter(Column("channel") == from).updateAll(db, Column("channel").set(to: to)) }
    }

    /// The items not removed by the owner.
    static var shown: QueryInterfaceRequest<TimelineRecord> { TimelineRecord.filter(Column("isRemoved") == false) }

    /// Items whose source is in `channel`.
    static func inChannel(_ channel: String) -> SQLExpression {
        SQL("followId IN (SELECT id FROM follows WHERE channel = \(channel))").sqlExpression
    }

    /// Inserts the entries not yet in the timeline (by the source's id for them); returns how many.
    static func addEntries(_ entries: [TimelineEntry], followId: Int64, now: Date, _ db: Database) throws -> Int {
        var added = 0
        for entry in entries {
            let seen = try TimelineRecord.filter(Column("followId") == followId && Column("entryId") == entry.id).fetchCount(db) > 0
            guard !seen else { continue }
            var record = try TimelineRecord(
                TimelineItem(id: 0, followId: followId, entry: entry, sortDate: TimelineItem.sortDate(of: entry, seen: now), addedAt: now)
            )
            try record.insert(db)
            added += 1
        }
        return added
    }
}
