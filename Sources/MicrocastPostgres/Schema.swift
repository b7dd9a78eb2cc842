import Foundation
import Logging
import MicrocastCore
import PostgresNIO

/// The PostgreSQL schema, as numbered migrations. Never edit a shipped one:
/// add the next. Several processes may start at once: each takes the same
/// advisory lock before looking, so one migrates and the rest find it done.
enum Schema {
    /// Held for the migrating transaction; an arbitrary constant of ours ("mcast").
    static let lockKey: Int64 = 0x6D63_6173_74
    /// Held while a new post's slug is chosen and inserted.
    static let slugLockKey: Int64 = 0x6D63_736C_7567
    /// Held while a copy job is claimed ("mccopy").
    static let copyClaimLockKey: Int64 = 0x6D63_636F_7079

    static let migrations: [(version: Int64, name: String, statements: [String])] = [
        (1, "posts, media, renditions, tokens, owner, settings, ingests, jobs", first),
        (2, "jobs of any subject; conversations", second),
        (3, "download counts", third),
        (4, "mention details for the owner", fourth),
        (5, "syndication", fifth),
        (6, "fediverse followers", sixth),
        (7, "follow requests", ["ALTER TABLE followers ADD COLUMN state TEXT NOT NULL DEFAULT 'accepted'"]),
        (
            8, "redirects from old addresses",
            ["CREATE TABLE redirects (path TEXT PRIMARY KEY, target TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL)"]
        ),
        (9, "following", following),
        (
            10, "push subscriptions",
            [
                """
                CREATE TABLE push_subscriptions (
                  follow_id BIGINT PRIMARY KEY REFERENCES follows (id) ON DELETE CASCADE, token TEXT NOT NULL UNIQUE,
                  secret TEXT NOT NULL, state TEXT NOT NULL, lease_until TIMESTAMPTZ(3), requested_at TIMESTAMPTZ(3) NOT NULL,
                  last_error TEXT)
                """
            ]
        ),
        (
            11, "timeline kinds and read state",
            [
                "ALTER TABLE timeline ADD COLUMN kind TEXT NOT NULL DEFAULT 'text'",
                "ALTER TABLE timeline ADD COLUMN is_read BOOLEAN NOT NULL DEFAULT false",
                // As `TimelineEntry.kind` decides: what it plays first, then its pictures.
                """
                UPDATE timeline SET kind = CASE
                  WHEN entry->'attachments' @> '[{"kind": "audio"}]' THEN 'audio'
                  WHEN entry->'attachments' @> '[{"kind": "video"}]' THEN 'video'
                  WHEN jsonb_array_length(COALESCE(entry->'photos', '[]')) > 0 THEN 'photo'
                  ELSE 'text' END
                """,
                "CREATE INDEX timeline_kind ON timeline (kind, sort_date)",
                "CREATE INDEX timeline_unread ON timeline (id) WHERE NOT is_read",
            ]
        ),
        (
            12, "microsub channels and removed items",
            [
                "ALTER TABLE follows ADD COLUMN channel TEXT NOT NULL DEFAULT 'home'",
                "ALTER TABLE timeline ADD COLUMN is_removed BOOLEAN NOT NULL DEFAULT false",
            ]
        ),
        (13, "transcripts and search", search),
    ]

    /// Posts' words (`SearchDocument`, written with every post; null until
    /// `PostgresStore.indexUnindexedPosts` fills those written before) and
    /// transcripts, each with a stored `tsvector` that a GIN index serves;
    /// captions have theirs for finding the moment within one recording.
    /// The English configuration stems as SQLite's porter tokenizer does.
    static let search: [String] = [
        "ALTER TABLE posts ADD COLUMN search_title TEXT",
        "ALTER TABLE posts ADD COLUMN search_body TEXT",
        """
        ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', COALESCE(search_title, '')), 'A') || setweight(to_tsvector('english', COALESCE(search_body, '')), 'B')
        ) STORED
        """,
        "CREATE INDEX posts_search ON posts USING GIN (search_vector)",
        """
        CREATE TABLE transcripts (
          media_id TEXT COLLATE "C" PRIMARY KEY REFERENCES media (id) ON DELETE CASCADE, language TEXT NOT NULL,
          is_edited BOOLEAN NOT NULL, updated_at TIMESTAMPTZ(3) NOT NULL, text TEXT NOT NULL,
          search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED)
        """,
        """
        CREATE TABLE transcript_cues (
          id BIGSERIAL PRIMARY KEY, media_id TEXT COLLATE "C" NOT NULL REFERENCES transcripts (media_id) ON DELETE CASCADE,
          position BIGINT NOT NULL, start_seconds DOUBLE PRECISION NOT NULL, end_seconds DOUBLE PRECISION NOT NULL, text TEXT NOT NULL,
          search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED)
        """,
        "CREATE INDEX transcript_cues_media ON transcript_cues (media_id, position)",
        "CREATE INDEX transcripts_search ON transcripts USING GIN (search_vector)",
        // A word in most transcripts is ranked among the newest matches: read backwards by this, stopping at enough.
        "CREATE INDEX transcripts_updated ON transcripts (updated_at)",
    ]

    static let following: [String] = [
        """
        CREATE TABLE follows (
          id BIGSERIAL PRIMARY KEY, address TEXT NOT NULL UNIQUE, feed_url TEXT NOT NULL, format TEXT NOT NULL, hub TEXT,
          topic TEXT NOT NULL, title TEXT, etag TEXT, last_modified TEXT, poll_interval DOUBLE PRECISION NOT NULL,
          next_poll_at TIMESTAMPTZ(3) NOT NULL, last_polled_at TIMESTAMPTZ(3), failures BIGINT NOT NULL, last_error TEXT,
          created_at TIMESTAMPTZ(3) NOT NULL)
        """,
        "CREATE INDEX follows_due ON follows (next_poll_at)",
        """
        CREATE TABLE timeline (
          id BIGSERIAL PRIMARY KEY, follow_id BIGINT NOT NULL REFERENCES follows (id) ON DELETE CASCADE,
          entry_id TEXT NOT NULL, entry JSONB NOT NULL, sort_date TIMESTAMPTZ(3) NOT NULL, added_at TIMESTAMPTZ(3) NOT NULL,
          UNIQUE (follow_id, entry_id))
        """,
        "CREATE INDEX timeline_order ON timeline (sort_date, id)",
    ]

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.execute("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
            try await connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                  version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """,
                logger: logger
            )
            let applied = Set(
                try await connection.rows("SELECT version FROM schema_migrations", logger: logger).map { try $0.value("version", as: Int64.self) }
            )
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.execute(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                    logger: logger
                )
                logger.info("database migrated", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
            }
        }
    }

    /// Times are kept to the millisecond, as SQLite keeps them, so a site
    /// copied between the stores shows the same dates. Text that pages sort
    /// by is compared byte by byte (`COLLATE "C"`), as SQLite compares it.
    static let first: [String] =
        [
            """
            CREATE TABLE posts (
              id BIGSERIAL PRIMARY KEY,
              slug TEXT NOT NULL UNIQUE,
              type TEXT NOT NULL,
              kind TEXT NOT NULL,
              properties JSONB NOT NULL,
              published TIMESTAMPTZ(3) NOT NULL,
              updated TIMESTAMPTZ(3),
              status TEXT NOT NULL,
              deleted_at TIMESTAMPTZ(3),
              created_at TIMESTAMPTZ(3) NOT NULL)
            """,
            "CREATE INDEX posts_listing ON posts (status, published DESC, id DESC) WHERE deleted_at IS NULL",
            "CREATE INDEX posts_kind ON posts (kind, status, published DESC)",
            "CREATE INDEX posts_category ON posts USING GIN ((properties -> 'category'))",
            """
            CREATE TABLE media (
              id TEXT COLLATE "C" PRIMARY KEY,
              kind TEXT NOT NULL,
              mime_type TEXT NOT NULL,
              file_extension TEXT NOT NULL,
              byte_count BIGINT NOT NULL,
              sha256 TEXT NOT NULL,
              original_name TEXT,
              probe TEXT NOT NULL,
              alt TEXT,
              width BIGINT,
              height BIGINT,
              duration DOUBLE PRECISION,
              state TEXT NOT NULL,
              failure TEXT,
              created_at TIMESTAMPTZ(3) NOT NULL,
              placeholder TEXT,
              animated BOOLEAN NOT NULL DEFAULT false)
            """,
            "CREATE INDEX media_sha256 ON media (sha256)",
            "CREATE INDEX media_created ON media (created_at)",
            """
            CREATE TABLE renditions (
              id BIGSERIAL PRIMARY KEY,
              media_id TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
              format TEXT NOT NULL,
              mime_type TEXT NOT NULL,
              width BIGINT NOT NULL,
              height BIGINT NOT NULL,
              byte_count BIGINT NOT NULL,
              file_name TEXT NOT NULL UNIQUE,
              duration DOUBLE PRECISION,
              bit_rate BIGINT)
            """,
            "CREATE INDEX renditions_media ON renditions (media_id)",
            """
            CREATE TABLE post_media (
              post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
              media_id TEXT NOT NULL REFERENCES media (id) ON DELETE RESTRICT,
              position BIGINT NOT NULL,
              PRIMARY KEY (post_id, media_id))
            """,
            "CREATE INDEX post_media_media ON post_media (media_id)",
            """
            CREATE TABLE tokens (
              id BIGSERIAL PRIMARY KEY,
              hash TEXT NOT NULL UNIQUE,
              kind TEXT NOT NULL,
              scope TEXT NOT NULL,
              client_id TEXT,
              grant_id TEXT NOT NULL,
              created_at TIMESTAMPTZ(3) NOT NULL,
              expires_at TIMESTAMPTZ(3),
              revoked_at TIMESTAMPTZ(3),
              last_used_at TIMESTAMPTZ(3))
            """,
            "CREATE INDEX tokens_grant ON tokens (grant_id)",
            """
            CREATE TABLE owner (
              id BIGINT PRIMARY KEY CHECK (id = 1),
              passphrase_hash TEXT NOT NULL,
              updated_at TIMESTAMPTZ(3) NOT NULL)
            """,
            """
            CREATE TABLE sessions (
              hash TEXT COLLATE "C" PRIMARY KEY,
              csrf TEXT NOT NULL,
              signed_in_at TIMESTAMPTZ(3),
              expires_at TIMESTAMPTZ(3) NOT NULL)
            """,
            """
            CREATE TABLE authorization_codes (
              hash TEXT COLLATE "C" PRIMARY KEY,
              client_id TEXT NOT NULL,
              redirect_uri TEXT NOT NULL,
              code_challenge TEXT NOT NULL,
              scope TEXT NOT NULL,
              expires_at TIMESTAMPTZ(3) NOT NULL,
              used_at TIMESTAMPTZ(3))
            """,
            "CREATE TABLE settings (key TEXT COLLATE \"C\" PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE ingests (
              hash TEXT COLLATE "C" PRIMARY KEY,
              source TEXT NOT NULL,
              post_slug TEXT NOT NULL,
              created_at TIMESTAMPTZ(3) NOT NULL)
            """,
            """
            CREATE TABLE jobs (
              id BIGSERIAL PRIMARY KEY,
              kind TEXT NOT NULL,
              media_id TEXT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
              state TEXT NOT NULL,
              attempts BIGINT NOT NULL DEFAULT 0,
              max_attempts BIGINT NOT NULL,
              run_after TIMESTAMPTZ(3) NOT NULL,
              lease_owner TEXT,
              lease_until TIMESTAMPTZ(3),
              last_error TEXT,
              created_at TIMESTAMPTZ(3) NOT NULL,
              updated_at TIMESTAMPTZ(3) NOT NULL)
            """,
            "CREATE INDEX jobs_ready ON jobs (state, run_after, id)",
            "CREATE INDEX jobs_media ON jobs (media_id)",
            // A queued job is announced in its own transaction: idle workers on
            // any machine wake at its commit instead of at their next poll.
            """
            CREATE FUNCTION announce_job() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_notify('\(PostgresStore.jobsChannel)', ''); RETURN NULL; END $$
            """,
            "CREATE TRIGGER jobs_announce AFTER INSERT OR UPDATE OF state ON jobs FOR EACH ROW WHEN (NEW.state = 'queued') EXECUTE FUNCTION announce_job()",
            // One row every change a page or feed shows bumps, in the same
            // transaction, so a cache in any process checks one integer per request.
            "CREATE TABLE content_stamp (id BIGINT PRIMARY KEY CHECK (id = 1), version BIGINT NOT NULL)",
            "INSERT INTO content_stamp (id, version) VALUES (1, 1)",
            """
            CREATE FUNCTION bump_content_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN UPDATE content_stamp SET version = version + 1 WHERE id = 1; RETURN NULL; END $$
            """,
        ]
        + ["posts", "media", "renditions", "post_media", "settings"].map {
            "CREATE TRIGGER \($0)_stamp AFTER INSERT OR UPDATE OR DELETE ON \($0) FOR EACH STATEMENT EXECUTE FUNCTION bump_content_stamp()"
        }

    /// Jobs also verify and send Webmentions (their subject is a mention id or a
    /// post slug); received mentions, what we sent, and citations of pages we answer.
    static let second: [String] =
        [
            "ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_media_id_fkey",
            "ALTER TABLE jobs RENAME COLUMN media_id TO subject",
            "ALTER INDEX jobs_media RENAME TO jobs_subject",
            """
            CREATE TABLE mentions (
              id TEXT COLLATE "C" PRIMARY KEY,
              source TEXT NOT NULL,
              target TEXT NOT NULL,
              post_slug TEXT NOT NULL,
              state TEXT NOT NULL,
              reason TEXT,
              kind TEXT NOT NULL,
              author_name TEXT NOT NULL,
              author_url TEXT NOT NULL,
              author_remote_photo TEXT NOT NULL,
              author_photo_file TEXT NOT NULL,
              content_html TEXT NOT NULL,
              published TIMESTAMPTZ(3),
              url TEXT NOT NULL,
              received_at TIMESTAMPTZ(3) NOT NULL,
              updated_at TIMESTAMPTZ(3) NOT NULL,
              UNIQUE (source, target))
            """,
            "CREATE INDEX mentions_post ON mentions (post_slug)",
            """
            CREATE TABLE sent_mentions (
              post_slug TEXT NOT NULL,
              target TEXT NOT NULL,
              outcome TEXT NOT NULL,
              endpoint TEXT,
              detail TEXT NOT NULL,
              updated_at TIMESTAMPTZ(3) NOT NULL,
              PRIMARY KEY (post_slug, target))
            """,
            """
            CREATE TABLE citations (
              url TEXT COLLATE "C" PRIMARY KEY,
              name TEXT NOT NULL,
              author_name TEXT NOT NULL,
              fetched_at TIMESTAMPTZ(3) NOT NULL)
            """,
        ]
        + ["mentions", "citations"].map {
            "CREATE TRIGGER \($0)_stamp AFTER INSERT OR UPDATE OR DELETE ON \($0) FOR EACH STATEMENT EXECUTE FUNCTION bump_content_stamp()"
        }

    /// Episode downloads by day and app; no page shows them, so no content stamp trigger.
    static let third: [String] = [
        """
        CREATE TABLE downloads (
          episode TEXT COLLATE "C" NOT NULL,
          day TEXT COLLATE "C" NOT NULL,
          app TEXT NOT NULL,
          count BIGINT NOT NULL,
          PRIMARY KEY (episode, day, app))
        """
    ]

    /// The public status says less than the owner reads: a fetch failure's
    /// detail (what a name resolved to) moves out of the public reason.
    static let fourth: [String] = [
        "ALTER TABLE mentions ADD COLUMN detail TEXT",
        """
        UPDATE mentions SET detail = reason, reason = 'the source could not be fetched'
        WHERE reason LIKE 'the source was not fetched%' OR reason LIKE 'the source could not be fetched%'
        """,
    ]

    /// Accounts on other networks, the copies of posts there, OAuth sign-ins
    /// under way; which accounts a post goes to; which copy a response came from.
    static let fifth: [String] = [
        "ALTER TABLE posts ADD COLUMN syndicate_to TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE mentions ADD COLUMN via TEXT",
        """
        CREATE TABLE syndication_accounts (
          uid TEXT COLLATE "C" PRIMARY KEY,
          service TEXT NOT NULL,
          name TEXT NOT NULL,
          user_json TEXT NOT NULL,
          credentials TEXT NOT NULL,
          reconnect_reason TEXT,
          defaults TEXT NOT NULL,
          limits TEXT,
          connected_at TIMESTAMPTZ(3) NOT NULL)
        """,
        """
        CREATE TABLE syndication_copies (
          post_slug TEXT COLLATE "C" NOT NULL,
          account_uid TEXT COLLATE "C" NOT NULL,
          state TEXT NOT NULL,
          remote_id TEXT,
          remote_url TEXT,
          write_key TEXT,
          sent_digest TEXT,
          replaced_urls JSONB NOT NULL DEFAULT '[]',
          posted_at TIMESTAMPTZ(3),
          updated_at TIMESTAMPTZ(3) NOT NULL,
          PRIMARY KEY (post_slug, account_uid))
        """,
        "CREATE INDEX syndication_copies_url ON syndication_copies (remote_url)",
        """
        CREATE TABLE pending_connections (
          state TEXT COLLATE "C" PRIMARY KEY,
          instance TEXT NOT NULL,
          client_id TEXT NOT NULL,
          client_secret TEXT NOT NULL,
          code_verifier TEXT NOT NULL,
          redirect_uri TEXT NOT NULL,
          created_at TIMESTAMPTZ(3) NOT NULL)
        """,
    ]

    static let sixth: [String] = [
        """
        CREATE TABLE followers (
          actor_id TEXT COLLATE "C" PRIMARY KEY,
          inbox TEXT NOT NULL,
          follow_id TEXT NOT NULL,
          followed_at TIMESTAMPTZ(3) NOT NULL)
        """
    ]
}
