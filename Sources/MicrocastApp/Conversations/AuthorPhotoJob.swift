import Foundation
import MediaModel
import MicrocastCore

/// Makes a response's author photo ours (fetched through the safe client,
/// checked and cut by `AvatarStore`), so the page shows it without readers'
/// browsers calling the author's server. Queued by the store with any
/// response whose photo is not ours yet (from the fediverse inbox, or a
/// backfeed whose own fetch failed); a server that does not answer is
/// tried again, a file that is not an image is not.
struct AuthorPhotoJob: JobHandler {
    let kind = JobKind.authorPhoto
    let pool = JobPool.verification
    let store: any DataStore
    let avatars: AvatarStore

    func run(_ job: Job) async throws -> JobDone {
        guard case .mention(let id) = job.subject else { throw JobSetback.giveUp("not a mention") }
        guard let mention = try await store.mention(id: id) else { return JobDone(summary: "gone") }
        let remote = mention.author.remotePhoto
        guard mention.author.photoFile.isEmpty, let url = URL(string: remote), !remote.isEmpty else {
            return JobDone(summary: "nothing to fetch")
        }
        do {
            let file = try await avatars.fileName(for: url)
            return JobDone(.authorPhoto(remote: remote, file: file), summary: "photo of \(mention.author.url)")
        } catch let error as MediaError {
            throw JobSetback.giveUp("the author's photo is not one we show: \(error)")
        }
    }
}
