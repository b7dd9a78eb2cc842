import Foundation
import Logging
import MicrocastCore
import PostgresNIO

extension PostgresStore: FollowingRepository {
    static let followColumns = """
        id, address, feed_url, format, hub, topic, title, etag, last_modified, poll_interval, next_poll_at, last_polled_at, failures,
        last_error, created_at, channel
        """
    static let timelineColumns = "id, follow_id, entry::text AS entry, sort_date, added_at, is_read, is_removed"

    static func follow(_ row: PostgresRandomAccessRow) throws -> Follow {
        let feedText = try row.value("feed_url", as: String.self)
        let topicText = try row.value("topic", as: String.self)
        guard let url = URL(string: feedText), let topic = URL(string: topicText),
            let format = FeedFormat(rawValue: try row.value("format", as: String.self))
        else { throw StoreError("follows row has an unreadable feed: \(feedText)") }
        return Follow(
            id: try row.value("id", as: Int64.self),
            address: try row.value("address", as: String.self),
            feed: DiscoveredFeed(url: url, format: format, hub: try row.value("hub", as: String?.self).flatMap(URL.init(string:)), topic: topic),
            title: try row.value("title", as: String?.self),
            etag: try row.value("etag", as: String?.self),
            lastModified: try row.value("last_modified", as: String?.self),
            interval: try row.value("poll_interval", as: Double.self),
            nextPollAt: try row.value("next_poll_at", as: Date.self),
            lastPolledAt: try row.value("last_polled_at", as: Date?.self),
            failures: Int(try row.value("failures", as: Int64.self)),
            lastError: try row.value("last_error", as: String?.self),
            createdAt: try row.value("created_at", as: Date.self),
            channel: try row.value("channel", as: String.self)
        )
    }

    static func timelineItem(_ row: PostgresRandomAccessRow) throws -> TimelineItem {
        TimelineItem(
            id: try row.value("id", as: Int64.self),
            followId: try row.value("follow_id", as: Int64.self),
            entry: try JSONDecoder().decode(TimelineEntry.self, from: Data(try row.value("entry", as: String.self).utf8)),
            sortDate: try row.value("sort_date", as: Date.self),
            addedAt: try row.value("added_at", as: Date.self),
            isRead: try row.value("is_read", as: Bool.self),
            isRemoved: try row.value("is_removed", as: Bool.self)
        )
    }

    public func addFollow(_ follow: Follow, entries: [TimelineEntry], jobs: [JobRequest]) async throws -> Follow {
        try await transaction { connection in
            let stored = try await Self.insertFollow(follow, keepingId: false, on: connection, logger: logger)
            _ = try await Self.addEntries(entries, followId: stored.id, now: follow.createdAt, on: connection, logger: logger)
            try await Self.enqueue(jobs, now: follow.createdAt, on: connection, logger: logger)
            return stored
        }
    }

    /// Inserts the row, or (for an address already followed, unless ids are being kept) takes its new feed.
    static func insertFollow(_ follow: Follow, keepingId: Bool, on connection: PostgresConnection, logger: Logger) async throws -> Follow {
        let feed = follow.feed
        let id: Int64? = keepingId ? follow.id : nil
        let rows = try await connection.rows(
            """
            INSERT INTO follows (id, address, feed_url, format, hub, topic, title, etag, last_modified, poll_interval, next_poll_at,
              last_polled_at, failures, last_error, created_at, channel)
            VALUES (COALESCE(\(id), nextval(pg_get_serial_sequence('follows', 'id'))), \(follow.address), \(feed.url.absoluteString),
              \(feed.format.rawValue), \(feed.hub?.absoluteString), \(feed.topic.absoluteString), \(follow.title), \(follow.etag),
              \(follow.lastModified), \(follow.interval), \(follow.nextPollAt), \(follow.lastPolledAt), \(Int64(follow.failures)),
              \(follow.lastError), \(follow.createdAt), \(follow.channel))
            ON CONFLICT (address) DO UPDATE SET feed_url = EXCLUDED.feed_url, format = EXCLUDED.format, hub = EXCLUDED.hub,
              topic = EXCLUDED.topic, title = EXCLUDED.title, etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,
              poll_interval = EXCLUDED.poll_interval, next_poll_at = EXCLUDED.next_poll_at, failures = 0, last_error = NULL
            RETURNING \(unescaped: followColumns)
            """,
            logger: logger
        )
        guard let row = rows.first else { throw StoreError("the follow of \(follow.address) was not stored") }
        return try Self.follow(row)
    }

    static func insertTimelineItem(_ item: TimelineItem, keepingId: Bool, on connection: PostgresConnection, logger: Logger) async throws {
        let json = String(decoding: try StoreJSON.encoder.encode(item.entry), as: UTF8.self)
        let id: Int64? = keepingId ? item.id : nil
        try await connection.execute(
            """
            INSERT INTO timeline (id, follow_id, entry_id, entry, sort_date, added_at, kind, is_read, is_removed)
            VALUES (COALESCE(\(id), nextval(pg_get_serial_sequence('timeline', 'id'))), \(item.followId), \(item.entry.id), \(json)::jsonb,
              \(item.sortDate), \(item.addedAt), \(item.entry.kind.rawValue), \(item.isRead), \(item.isRemoved))
            ON CONFLICT (follow_id, entry_id) DO NOTHING
            """,
            logger: logger
        )
    }

    static func addEntries(
        _ entries: [TimelineEntry],
        followId: Int64,
        now: Date,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Int {
        var added = 0
        for entry in entries {
            let json = String(decoding: try StoreJSON.encoder.encode(entry), as: UTF8.self)
            let inserted = try await connection.rows(
                """
                INSERT INTO timeline (follow_id, entry_id, entry, sort_date, added_at, kind)
                VALUES (\(followId), \(entry.id), \(json)::jsonb, \(TimelineItem.sortDate(of: entry, seen: now)), \(now), \(entry.kind.rawValue))
                ON CONFLICT (follow_id, entry_id) DO NOTHING RETURNING id
                """,
                logger: logger
            )
            added += inserted.count
        }
        return added
    }

    public func follows() async throws -> [Follow] {
        try await rows("SELECT \(unescaped: Self.followColumns) FROM follows ORDER BY address COLLATE \"C\"").map(Self.follow)
    }

    public func follow(address: String) async throws -> Follow? {
        try await rows("SELECT \(unescaped: Self.followColumns) FROM follows WHERE address = \(address)").first.map(Self.follow)
    }

    public func removeFollow(address: String, jobs: [JobRequest]) async throws -> Bool {
        try await transaction { connection in
            guard !(try await connection.rows("DELETE FROM follows WHERE address = \(address) RETURNING id", logger: logger).isEmpty) else {
                return false
            }
            try await Self.enqueue(jobs, now: Date(), on: connection, logger: logger)
            return true
        }
    }

    public func claimDueFollow(now: Date, lease: TimeInterval) async throws -> Follow? {
        try await transaction { connection in
            try await connection.rows(
                """
                UPDATE follows SET next_poll_at = \(now.addingTimeInterval(lease))
                WHERE id = (SELECT id FROM follows WHERE next_poll_at <= \(now) ORDER BY next_poll_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: Self.followColumns)
                """,
                logger: logger
            ).first.map(Self.follow)
        }
    }

    public func claimFollows(address: String?, now: Date, lease: TimeInterval) async throws -> [Follow] {
        let until = now.addingTimeInterval(lease)
        return try await transaction { connection in
            let query: PostgresQuery =
                if let address {
                    "UPDATE follows SET next_poll_at = \(until) WHERE address = \(address) RETURNING \(unescaped: Self.followColumns)"
                } else {
                    "UPDATE follows SET next_poll_at = \(until) RETURNING \(unescaped: Self.followColumns)"
                }
            return try await connection.rows(query, logger: logger).map(Self.follow).sorted { $0.address < $1.address }
        }
    }

    public func recordPoll(followId: Int64, _ result: FollowPollResult, now: Date) async throws -> Int {
        try await transaction { connection in
            switch result {
            case .read(let entries, let etag, let lastModified, let title, let interval):
                let added = try await Self.addEntries(entries, followId: followId, now: now, on: connection, logger: logger)
                try await connection.execute(
                    """
                    UPDATE follows SET etag = \(etag), last_modified = \(lastModified), title = COALESCE(\(title), title),
                      poll_interval = \(interval), next_poll_at = \(now.addingTimeInterval(interval)), last_polled_at = \(now),
                      failures = 0, last_error = NULL
                    WHERE id = \(followId)
                    """,
                    logger: logger
                )
                return added
            case .unchanged(let interval):
                try await connection.execute(
                    """
                    UPDATE follows SET poll_interval = \(interval), next_poll_at = \(now.addingTimeInterval(interval)), last_polled_at = \(now),
                      failures = 0, last_error = NULL
                    WHERE id = \(followId)
                    """,
                    logger: logger
                )
                return 0
            case .failed(let reason, let interval):
                try await connection.execute(
                    """
                    UPDATE follows SET poll_interval = \(interval), next_poll_at = \(now.addingTimeInterval(interval)), last_polled_at = \(now),
                      failures = failures + 1, last_error = \(reason)
                    WHERE id = \(followId)
                    """,
                    logger: logger
                )
                return 0
            case .pushed(let entries):
                return try await Self.addEntries(entries, followId: followId, now: now, on: connection, logger: logger)
            }
        }
    }

    public func timeline(_ query: TimelineQuery) async throws -> [TimelineItem] {
        // Absent filters are NULL and match everything; the anchor's (date, id) is compared as a pair.
        try await rows(
            """
            SELECT \(unescaped: Self.timelineColumns) FROM timeline
            WHERE NOT is_removed AND (\(query.before)::bigint IS NULL OR (sort_date, id) < (SELECT sort_date, id FROM timeline WHERE id = \(query.before)))
              AND (\(query.followId)::bigint IS NULL OR follow_id = \(query.followId))
              AND (\(query.kind?.rawValue)::text IS NULL OR kind = \(query.kind?.rawValue))
              AND (\(query.channel)::text IS NULL OR follow_id IN (SELECT id FROM follows WHERE channel = \(query.channel)))
            ORDER BY sort_date DESC, id DESC LIMIT \(query.limit)
            """
        ).map(Self.timelineItem)
    }

    public func timelineItem(url: String) async throws -> TimelineItem? {
        try await rows("SELECT \(unescaped: Self.timelineColumns) FROM timeline WHERE entry->>'url' = \(url) ORDER BY id DESC LIMIT 1").first
            .map(Self.timelineItem)
    }

    public func timelineItem(id: Int64) async throws -> TimelineItem? {
        try await rows("SELECT \(unescaped: Self.timelineColumns) FROM timeline WHERE id = \(id)").first.map(Self.timelineItem)
    }

    public func forgetTimeline(before date: Date) async throws -> Int {
        try await rows("DELETE FROM timeline WHERE sort_date < \(date) RETURNING id").count
    }

    public func markTimeline(ids: [Int64], read: Bool) async throws {
        guard !ids.isEmpty else { return }
        _ = try await rows("UPDATE timeline SET is_read = \(read) WHERE id = ANY(\(ids)) RETURNING id")
    }

    public func markTimelineRead(through id: Int64, channel: String?) async throws {
        _ = try await rows(
            """
            UPDATE timeline SET is_read = true
            WHERE NOT is_read AND (sort_date, id) <= (SELECT sort_date, id FROM timeline WHERE id = \(id))
              AND (\(channel)::text IS NULL OR follow_id IN (SELECT id FROM follows WHERE channel = \(channel))) RETURNING id
            """
        )
    }

    public func timelineUnreadCounts() async throws -> [String: Int] {
        let rows = try await rows(
            """
            SELECT follows.channel AS channel, COUNT(*) AS unread FROM timeline JOIN follows ON follows.id = timeline.follow_id
            WHERE NOT timeline.is_read AND NOT timeline.is_removed GROUP BY follows.channel
            """
        )
        return Dictionary(
            uniqueKeysWithValues: try rows.map { (try $0.value("channel", as: String.self), Int(try $0.value("unread", as: Int64.self))) }
        )
    }

    public func removeFromTimeline(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        _ = try await rows("UPDATE timeline SET is_removed = true WHERE id = ANY(\(ids)) RETURNING id")
    }

    public func setFollowChannel(address: String, channel: String) async throws -> Bool {
        try await !rows("UPDATE follows SET channel = \(channel) WHERE address = \(address) RETURNING id").isEmpty
    }

    public func moveFollows(fromChannel from: String, toChannel to: String) async throws {
        _ = try await rows("UPDATE follows SET channel = \(to) WHERE channel = \(from) RETURNING id")
    }
}
