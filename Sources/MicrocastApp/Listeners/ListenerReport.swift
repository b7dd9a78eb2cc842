import Foundation
import MicrocastCore

/// The stored counts and the show's episodes, as `ListenerStats`: what the
/// studio's Listeners page and `microcast stats` both show.
public enum ListenerReport {
    public static func stats(store: any DataStore, today: Date, days: Int = 30) async throws -> ListenerStats {
        let posts = try await store.ownerPosts(kind: .audio, status: nil, deleted: false, limit: Int.max, offset: 0)
        let episodes = posts.map {
            ListenerStats.Episode(slug: $0.slug, title: StudioText.title(of: $0), published: $0.published)
        }
        return ListenerStats(counts: try await store.downloads(), episodes: episodes, today: today, days: days)
    }
}
