import GRDB
import MicrocastCore

/// The schema, as a numbered list of migrations. Never edit a shipped one: add the next.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1 posts, media, renditions, tokens, jobs") { db in
            try db.create(table: "posts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("slug", .text).notNull().unique()
                t.column("type", .text).notNull()
                t.column("properties", .jsonText).notNull()
                t.column("published", .datetime).notNull().indexed()
                t.column("updated", .datetime)
                t.column("status", .text).notNull()
                t.column("deletedAt", .datetime)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "media") { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()
                t.column("mimeType", .text).notNull()
                t.column("fileExtension", .text).notNull()
                t.column("byteCount", .integer).notNull()
                t.column("sha256", .text).notNull().indexed()
                t.column("originalName", .text)
                t.column("probe", .jsonText).notNull()
                t.column("alt", .text)
                t.column("width", .integer)
                t.column("height", .integer)
                t.column("duration", .double)
                t.column("state", .text).notNull()
                t.column("failure", .text)
                t.column("createdAt", .datetime).notNull().indexed()
            }
            try db.create(table: "renditions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("mediaId", .text).notNull().indexed().references("media", onDelete: .cascade)
                t.column("format", .text).notNull()
                t.column("mimeType", .text).notNull()
                t.column("width", .integer).notNull()
                t.column("height", .integer).notNull()
                t.column("byteCount", .integer).notNull()
                t.column("fileName", .text).notNull().unique()
            }
            try db.create(table: "postMedia") { t in
                t.column("postId", .integer).notNull().references("posts", onDelete: .cascade)
                t.column("mediaId", .text).notNull().indexed().references("media", onDelete: .restrict)
                t.column("position", .integer).notNull()
                t.primaryKey(["postId", "mediaId"])
            }
            try db.create(table: "tokens") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("hash", .text).notNull().unique()
                t.column("scope", .text).notNull()
                t.column("clientId", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("expiresAt", .datetime)
                t.column("revokedAt", .datetime)
            }
            try db.create(table: "jobs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("mediaId", .text).notNull().indexed().references("media", onDelete: .cascade)
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("maxAttempts", .integer).notNull()
                t.column("runAfter", .datetime).notNull()
                t.column("leaseOwner", .text)
                t.column("leaseUntil", .datetime)
                t.column("lastError", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(index: "jobsReady", on: "jobs", columns: ["state", "runAfter"])
        }
        migrator.registerMigration("2 owner, sign-in sessions, authorization codes, refresh tokens") { db in
            try db.create(table: "owner") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("passwordHash", .text).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "sessions") { t in
                t.primaryKey("hash", .text)
                t.column("csrf", .text).notNull()
                t.column("expiresAt", .datetime).notNull()
            }
            try db.create(table: "authorizationCodes") { t in
                t.primaryKey("hash", .text)
                t.column("clientId", .text).notNull()
                t.column("redirectURI", .text).notNull()
                t.column("codeChallenge", .text).notNull()
                t.column("scope", .text).notNull()
                t.column("expiresAt", .datetime).notNull()
                t.column("usedAt", .datetime)
            }
            try db.alter(table: "tokens") { t in
                // "access" tokens authorize requests; "refresh" tokens only buy new ones.
                t.add(column: "kind", .text).notNull().defaults(to: "access")
            }
        }
        migrator.registerMigration("3 audio renditions, show settings") { db in
            try db.alter(table: "renditions") { t in
                t.add(column: "duration", .double)
                t.add(column: "bitRate", .integer)
            }
            try db.create(table: "settings") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        migrator.registerMigration("4 photo placeholders, animated images") { db in
            try db.alter(table: "media") { t in
                t.add(column: "placeholder", .text)
                t.add(column: "animated", .boolean).notNull().defaults(to: false)
            }
        }
        migrator.registerMigration("5 ingested files") { db in
            try db.create(table: "ingests") { t in
                t.primaryKey("hash", .text)
                t.column("source", .text).notNull()
                t.column("postSlug", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "media_sha256", on: "media", columns: ["sha256"])
        }
        migrator.registerMigration("6 token grants") { db in
            // Tokens issued before grants existed each become a grant of their own.
            try db.alter(table: "tokens") { t in t.add(column: "grantId", .text).notNull().defaults(to: "") }
            try db.execute(sql: "UPDATE tokens SET grantId = 'token-' || id")
            try db.create(index: "tokens_grant", on: "tokens", columns: ["grantId"])
        }
        migrator.registerMigration("7 session sign-in times") { db in
            // Sessions from before are treated as signed in long ago: consent asks for the passphrase.
            try db.alter(table: "sessions") { t in t.add(column: "signedInAt", .datetime) }
        }
        migrator.registerMigration("8 post kinds, token use, one content stamp") { db in
            // The kind a post reads as, by its richest media (as `Post.kind` decides), so the
            // podcast and photo pages query for it instead of filtering every post.
            try db.alter(table: "posts") { t in t.add(column: "kind", .text).notNull().defaults(to: PostKind.note.rawValue) }
            try db.execute(
                sql: """
                    UPDATE posts SET kind = CASE
                      WHEN json_array_length(properties, '$.video') > 0 THEN 'video'
                      WHEN json_array_length(properties, '$.audio') > 0 THEN 'audio'
                      WHEN json_array_length(properties, '$.photo') > 0 THEN 'photo'
                      WHEN json_array_length(properties, '$.name') > 0 THEN 'article'
                      ELSE 'note' END
                    """
            )
            try db.create(index: "posts_kind", on: "posts", columns: ["kind", "status", "published"])
            try db.alter(table: "tokens") { t in t.add(column: "lastUsedAt", .datetime) }
            // One row every change a page or feed shows bumps, in the same
            // transaction (triggers), so a cache checks one integer per request.
            try db.create(table: "contentStamp") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("version", .integer).notNull()
            }
            try db.execute(sql: "INSERT INTO contentStamp (id, version) VALUES (1, 1)")
            try bumpContentStamp(on: ["posts", "media", "renditions", "postMedia", "settings"], db)
        }
        migrator.registerMigration("9 jobs of any subject; conversations") { db in
            // Jobs now also verify and send Webmentions: their subject is a
            // media id, a mention id or a post slug, so it cannot reference media.
            // SQLite drops a foreign key only by rebuilding the table.
            try db.create(table: "jobsBySubject") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                t.column("subject", .text).notNull()
                t.column("state", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("maxAttempts", .integer).notNull()
                t.column("runAfter", .datetime).notNull()
                t.column("leaseOwner", .text)
                t.column("leaseUntil", .datetime)
                t.column("lastError", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.execute(
                sql: """
                    INSERT INTO jobsBySubject (id, kind, subject, state, attempts, maxAttempts, runAfter, leaseOwner, leaseUntil,
                      lastError, createdAt, updatedAt)
                    SELECT id, kind, mediaId, state, attempts, maxAttempts, runAfter, leaseOwner, leaseUntil, lastError, createdAt, updatedAt
                    FROM jobs
                    """
            )
            try db.drop(table: "jobs")
            try db.rename(table: "jobsBySubject", to: "jobs")
            try db.create(index: "jobsReady", on: "jobs", columns: ["state", "runAfter"])
            try db.create(index: "jobsSubject", on: "jobs", columns: ["subject"])

            try db.create(table: "mentions") { t in
                t.primaryKey("id", .text)
                t.column("source", .text).notNull()
                t.column("target", .text).notNull()
                t.column("postSlug", .text).notNull().indexed()
                t.column("state", .text).notNull()
                t.column("reason", .text)
                t.column("kind", .text).notNull()
                t.column("authorName", .text).notNull()
                t.column("authorURL", .text).notNull()
                t.column("authorRemotePhoto", .text).notNull()
                t.column("authorPhotoFile", .text).notNull()
                t.column("contentHTML", .text).notNull()
                t.column("published", .datetime)
                t.column("url", .text).notNull()
                t.column("receivedAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.uniqueKey(["source", "target"])
            }
            try db.create(table: "sentMentions") { t in
                t.column("postSlug", .text).notNull()
                t.column("target", .text).notNull()
                t.column("outcome", .text).notNull()
                t.column("endpoint", .text)
                t.column("detail", .text).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["postSlug", "target"])
            }
            try db.create(table: "citations") { t in
                t.primaryKey("url", .text)
                t.column("name", .text).notNull()
                t.column("authorName", .text).notNull()
                t.column("fetchedAt", .datetime).notNull()
            }
            // Pages show mentions and citations: their changes bump the content stamp too.
            try bumpContentStamp(on: ["mentions", "citations"], db)
        }
        migrator.registerMigration("10 download counts") { db in
            // Counts only: no page shows them, so no content stamp trigger.
            try db.create(table: "downloads") { t in
                t.column("episode", .text).notNull()
                t.column("day", .text).notNull()
                t.column("app", .text).notNull()
                t.column("count", .integer).notNull()
                t.primaryKey(["episode", "day", "app"])
            }
        }
        migrator.registerMigration("11 mention details for the owner") { db in
            // The public status says less than the owner reads: a fetch failure's
            // detail (what a name resolved to) moves out of the public reason.
            try db.alter(table: "mentions") { t in t.add(column: "detail", .text) }
            try db.execute(
                sql: """
                    UPDATE mentions SET detail = reason, reason = 'the source could not be fetched'
                    WHERE reason LIKE 'the source was not fetched%' OR reason LIKE 'the source could not be fetched%'
                    """
            )
        }
        migrator.registerMigration("12 syndication") { db in
            try db.alter(table: "posts") { t in t.add(column: "syndicateTo", .text).notNull().defaults(to: "[]") }
            try db.alter(table: "mentions") { t in t.add(column: "via", .text) }
            try db.create(table: "syndicationAccounts") { t in
                t.primaryKey("uid", .text)
                t.column("service", .text).notNull()
                t.column("name", .text).notNull()
                t.column("user", .text).notNull()
                t.column("credentials", .text).notNull()
                t.column("reconnectReason", .text)
                t.column("defaults", .text).notNull()
                t.column("limits", .text)
                t.column("connectedAt", .datetime).notNull()
            }
            try db.create(table: "syndicationCopies") { t in
                t.column("postSlug", .text).notNull()
                t.column("accountUid", .text).notNull()
                t.column("state", .text).notNull()
                t.column("remoteId", .text)
                t.column("remoteURL", .text).indexed()
                t.column("writeKey", .text)
                t.column("sentDigest", .text)
                t.column("replacedURLs", .text).notNull()
                t.column("postedAt", .datetime)
                t.column("updatedAt", .datetime).notNull()
                t.primaryKey(["postSlug", "accountUid"])
            }
            try db.create(table: "pendingConnections") { t in
                t.primaryKey("state", .text)
                t.column("instance", .text).notNull()
                t.column("clientId", .text).notNull()
                t.column("clientSecret", .text).notNull()
                t.column("codeVerifier", .text).notNull()
                t.column("redirectURI", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("13 followers") { db in
            try db.create(table: "followers") { t in
                t.primaryKey("actorId", .text)
                t.column("inbox", .text).notNull()
                t.column("followId", .text).notNull()
                t.column("followedAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("14 follow requests") { db in
            try db.alter(table: "followers") { t in t.add(column: "state", .text).notNull().defaults(to: "accepted") }
        }
        migrator.registerMigration("15 job indexes for long backlogs") { db in
            // A claim walks one kind's waiting jobs in order (`jobsClaim`);
            // without it, each claim sorted the whole backlog, and 25,000
            // queued deliveries were sent 15 a second instead of 190. The
            // subject index leads with three equalities so a duplicate check
            // finds its row instead of scanning a kind's backlog.
            try db.create(index: "jobsClaim", on: "jobs", columns: ["state", "kind", "runAfter"])
            try db.drop(index: "jobsSubject")
            try db.create(index: "jobsSubject", on: "jobs", columns: ["subject", "kind", "state"])
        }
        migrator.registerMigration("16 redirects from old addresses") { db in
            try db.create(table: "redirects") { t in
                t.primaryKey("path", .text)
                t.column("target", .text).notNull()
                t.column("createdAt", .datetime).notNull()
            }
        }
        migrator.registerMigration("17 following") { db in
            try db.create(table: "follows") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("address", .text).notNull().unique()
                t.column("feedURL", .text).notNull()
                t.column("format", .text).notNull()
                t.column("hub", .text)
                t.column("topic", .text).notNull()
                t.column("title", .text)
                t.column("etag", .text)
                t.column("lastModified", .text)
                t.column("interval", .double).notNull()
                t.column("nextPollAt", .datetime).notNull().indexed()
                t.column("lastPolledAt", .datetime)
                t.column("failures", .integer).notNull()
                t.column("lastError", .text)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "timeline") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("followId", .integer).notNull().references("follows", onDelete: .cascade)
                t.column("entryId", .text).notNull()
                t.column("entry", .text).notNull()
                t.column("sortDate", .datetime).notNull()
                t.column("addedAt", .datetime).notNull()
                t.uniqueKey(["followId", "entryId"])
            }
            try db.create(index: "timelineOrder", on: "timeline", columns: ["sortDate", "id"])
        }
        migrator.registerMigration("18 push subscriptions") { db in
            try db.create(table: "pushSubscriptions") { t in
                t.primaryKey("followId", .integer).references("follows", onDelete: .cascade)
                t.column("token", .text).notNull().unique()
                t.column("secret", .text).notNull()
                t.column("state", .text).notNull()
                t.column("leaseUntil", .datetime)
                t.column("requestedAt", .datetime).notNull()
                t.column("lastError", .text)
            }
        }
        migrator.registerMigration("19 timeline kinds and read state") { db in
            try db.alter(table: "timeline") { t in
                t.add(column: "kind", .text).notNull().defaults(to: TimelineKind.text.rawValue)
                t.add(column: "isRead", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "timelineKind", on: "timeline", columns: ["kind", "sortDate"])
            try db.execute(sql: "CREATE INDEX timelineUnread ON timeline (id) WHERE NOT isRead")
            // The kind is the entry's own; entries stored before are read once to set it.
            for record in try TimelineRecord.fetchAll(db) {
                var kinded = try TimelineRecord(try record.item())
                kinded.id = record.id
                try kinded.update(db)
            }
        }
        migrator.registerMigration("20 microsub channels and removed items") { db in
            try db.alter(table: "follows") { t in t.add(column: "channel", .text).notNull().defaults(to: TimelineChannel.home) }
            try db.alter(table: "timeline") { t in t.add(column: "isRemoved", .boolean).notNull().defaults(to: false) }
        }
        migrator.registerMigration("21 transcripts and search") { db in
            try db.alter(table: "posts") { t in
                t.add(column: "searchTitle", .text).notNull().defaults(to: "")
                t.add(column: "searchBody", .text).notNull().defaults(to: "")
            }
            for record in try PostRecord.fetchAll(db) {
                let document = SearchDocument(try record.post())
                try db.execute(
                    sql: "UPDATE posts SET searchTitle = ?, searchBody = ? WHERE id = ?",
                    arguments: [document.title, document.body, record.id]
                )
            }
            try db.create(table: "transcripts") { t in
                t.primaryKey("mediaId", .text).references("media", onDelete: .cascade)
                t.column("language", .text).notNull()
                t.column("isEdited", .boolean).notNull()
                t.column("updatedAt", .datetime).notNull()
                // Every caption's words: a recording is found by its whole transcript.
                t.column("text", .text).notNull()
            }
            try db.create(table: "transcriptCues") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("mediaId", .text).notNull().indexed().references("transcripts", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("start", .double).notNull()
                t.column("end", .double).notNull()
                t.column("text", .text).notNull()
            }
            // External-content FTS5 tables, kept in step with their rows by
            // triggers, so every way a post or transcript is written (a restore
            // too) is indexed. Transcripts are ranked whole (a recording is one
            // document, as a post is); the captions' index finds the moment.
            // A three-letter prefix index: `the*` would otherwise read every term it starts.
            let tokenizer = "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '3'"
            try db.execute(
                sql: """
                    CREATE VIRTUAL TABLE postSearch USING fts5(searchTitle, searchBody, content = 'posts', content_rowid = 'id', \(tokenizer));
                    CREATE TRIGGER postSearchInsert AFTER INSERT ON posts BEGIN
                      INSERT INTO postSearch (rowid, searchTitle, searchBody) VALUES (new.id, new.searchTitle, new.searchBody);
                    END;
                    CREATE TRIGGER postSearchDelete AFTER DELETE ON posts BEGIN
                      INSERT INTO postSearch (postSearch, rowid, searchTitle, searchBody) VALUES ('delete', old.id, old.searchTitle, old.searchBody);
                    END;
                    CREATE TRIGGER postSearchUpdate AFTER UPDATE OF searchTitle, searchBody ON posts BEGIN
                      INSERT INTO postSearch (postSearch, rowid, searchTitle, searchBody) VALUES ('delete', old.id, old.searchTitle, old.searchBody);
                      INSERT INTO postSearch (rowid, searchTitle, searchBody) VALUES (new.id, new.searchTitle, new.searchBody);
                    END;
                    INSERT INTO postSearch (postSearch) VALUES ('rebuild');
                    CREATE VIRTUAL TABLE transcriptSearch USING fts5(text, content = 'transcripts', content_rowid = 'rowid', \(tokenizer));
                    CREATE TRIGGER transcriptSearchInsert AFTER INSERT ON transcripts BEGIN
                      INSERT INTO transcriptSearch (rowid, text) VALUES (new.rowid, new.text);
                    END;
                    CREATE TRIGGER transcriptSearchDelete AFTER DELETE ON transcripts BEGIN
                      INSERT INTO transcriptSearch (transcriptSearch, rowid, text) VALUES ('delete', old.rowid, old.text);
                    END;
                    CREATE VIRTUAL TABLE cueSearch USING fts5(text, content = 'transcriptCues', content_rowid = 'id', \(tokenizer));
                    CREATE TRIGGER cueSearchInsert AFTER INSERT ON transcriptCues BEGIN
                      INSERT INTO cueSearch (rowid, text) VALUES (new.id, new.text);
                    END;
                    CREATE TRIGGER cueSearchDelete AFTER DELETE ON transcriptCues BEGIN
                      INSERT INTO cueSearch (cueSearch, rowid, text) VALUES ('delete', old.id, old.text);
                    END;
                    """
            )
        }
        return migrator
    }

    /// Triggers that bump the content stamp in the same transaction as any change to `tables`.
    static func bumpContentStamp(on tables: [String], _ db: Database) throws {
        for table in tables {
            for event in ["INSERT", "UPDATE", "DELETE"] {
                try db.execute(
                    sql: """
                        CREATE TRIGGER \(table)_\(event.lowercased())_stamp AFTER \(event) ON \(table)
                        BEGIN UPDATE contentStamp SET version = version + 1 WHERE id = 1; END
                        """
                )
            }
        }
    }
}
