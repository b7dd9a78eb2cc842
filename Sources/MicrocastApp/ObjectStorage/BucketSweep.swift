import Foundation
import MicrocastCore

/// What a process killed mid-upload leaves in a site's bucket, removed
/// when `serve` starts: multipart uploads of originals begun and never
/// finished (older than a day: no upload is received that long), and
/// originals and public copies no row names (older than an hour: the row is written seconds
/// after the object). A worker's leftovers are removed by the attempt that
/// takes its job over (`MediaLibrary.removeUnrecordedRenditions`). Resumable
/// uploads' records and pieces (`resumable/`) go two days after they were
/// last written: every upload expires after one.
package struct BucketSweep: Sendable {
    let bucket: BucketMediaStore
    let media: any MediaRepository
    var unfinishedAfter: TimeInterval = 24 * 3600
    var unrecordedAfter: TimeInterval = 3600

    package init(bucket: BucketMediaStore, media: any MediaRepository) {
        self.bucket = bucket
        self.media = media
    }

    package struct Swept: Sendable, Equatable {
        package var abortedUploads = 0
        package var removedOriginals = 0
        package var removedResumable = 0

        package init(abortedUploads: Int = 0, removedOriginals: Int = 0, removedResumable: Int = 0) {
            self.abortedUploads = abortedUploads
            self.removedOriginals = removedOriginals
            self.removedResumable = removedResumable
        }
    }

    package func run(now: Date = Date()) async throws -> Swept {
        var swept = Swept()
        for upload in try await bucket.client.unfinishedUploads(prefix: MediaFolder.originals.rawValue + "/")
        where upload.initiated.map({ now.timeIntervalSince($0) > unfinishedAfter }) ?? false {
            try await bucket.client.abort(S3Client.Upload(key: upload.key, id: upload.id))
            swept.abortedUploads += 1
        }
        let recorded = Set(try await media.recentMedia(limit: Int.max, offset: 0).map(\.fileName))
        let stored = try await bucket.list(.originals, prefix: "") + bucket.list(.publicCopies, prefix: "")
        for file in stored
        where !recorded.contains(file.key.name) && file.modified.map({ now.timeIntervalSince($0) > unrecordedAfter }) ?? false {
            // Read again: a row written since the listing keeps its original.
            let id = String(file.key.name.prefix { $0 != "." })
            guard try await media.media(id: id)?.fileName != file.key.name else { continue }
            try await bucket.remove(file.key)
            swept.removedOriginals += 1
        }
        for object in try await bucket.client.list(prefix: "resumable/")
        where object.modified.map({ now.timeIntervalSince($0) > 2 * 24 * 3600 }) ?? false {
            try await bucket.client.delete(object.key)
            swept.removedResumable += 1
        }
        return swept
    }
}
