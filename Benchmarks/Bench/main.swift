// Benchmarks against the tools users would otherwise run, in the same run:
//
//     swift run -c release bench photo [PHOTOS] [ROUNDS]
//     swift run -c release bench audio [MINUTES]
//     swift run -c release bench feed [EPISODES]
//     swift run -c release bench video [SECONDS]
//     swift run -c release bench batch [PHOTOS] [EPISODES] [MINUTES]
//     swift build -c release && .build/release/bench uploads
//     swift build -c release && .build/release/bench backlog [PHOTOS] [square|phone|progressive]
//     swift build -c release && .build/release/bench studio [MEGABYTES] [ROUNDS]
//     swift run -c release bench scale [POSTS] [JOBS]
//     swift build -c release && .build/release/bench pages [POSTS]
//     scripts/leaks   (runs `bench cycle` under valgrind's memcheck)
//     swift build -c release && .build/release/bench soak [MINUTES]
//     swift build -c release && .build/release/bench listeners
//     swift build -c release && .build/release/bench syndicate [POSTS]
//     swift build -c release && .build/release/bench deliver [FOLLOWERS] [INBOXES] [POSTS]
//     swift build -c release && .build/release/bench import [EPISODES] [SECONDS]
//     swift build -c release && .build/release/bench follow [FEEDS] [ROUNDS]
//     swift build -c release && .build/release/bench transcript [SECONDS] [POSTS]
//     scripts/fuzz-media [PER_FORMAT]   (runs `bench mutate` with the AddressSanitizer child)
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
func number(_ index: Int, _ fallback: Int) -> Int { arguments.count > index ? Int(arguments[index]) ?? fallback : fallback }

switch arguments.first {
case "photo": try photoBenchmark(photoCount: number(1, 4), rounds: number(2, 3))
case "audio": try audioBenchmark(minutes: number(1, 30))
case "feed": try await feedBenchmark(episodes: number(1, 10_000))
case "video": try videoBenchmark(seconds: number(1, 60))
case "batch": try await batchBenchmark(photoCount: number(1, 8), episodeCount: number(2, 4), episodeMinutes: number(3, 5))
case "uploads": try uploadsBenchmark()
case "backlog":
    try backlogBenchmark(photoCount: number(1, 200), kind: arguments.count > 2 ? BacklogPhotos(rawValue: arguments[2]) ?? .square : .square)
case "studio": try studioBenchmark(megabytes: number(1, 300), rounds: number(2, 3))
case "scale": try await scaleBenchmark(posts: number(1, 10_000), jobs: number(2, 2_000))
case "pages": try await pagesBenchmark(posts: number(1, 10_000))
case "cycle-fixtures": try leakFixtures(in: URL(fileURLWithPath: arguments[1]))
case "cycle": try leakCycle(rounds: number(1, 2), folder: URL(fileURLWithPath: arguments[2]))
case "listeners": try listenerBenchmark()
case "syndicate": try syndicationBenchmark(posts: number(1, 20))
case "deliver": try await deliveryBenchmark(followers: number(1, 1_000), inboxes: number(2, 100), posts: number(3, 10))
case "import": try await importBenchmark(episodes: number(1, 200), seconds: number(2, 10))
case "follow": try await followBenchmark(feeds: number(1, 500), rounds: number(2, 4))
case "bucket": try bucketBenchmark(megabytes: number(1, 1024), rounds: number(2, 3))
case "transcript": try await transcriptBenchmark(seconds: number(1, 120), posts: number(2, 10_000))
case "soak": try await soakBenchmark(minutes: Double(arguments.count > 1 ? arguments[1] : "") ?? 10)
case "mutate":
    try mutationCampaign(perFormat: number(1, 125), child: arguments[2], seconds: number(3, 30), seed: UInt64(number(4, 1)))
case "idle": break
case "photo-one": try photoOne(arguments[1], presets: arguments.count > 2 ? arguments[2] : nil)
default:
    print(
        "usage: bench photo [PHOTOS] [ROUNDS] | audio [MINUTES] | feed [EPISODES] | video [SECONDS] | batch [PHOTOS] [EPISODES] [MINUTES] | uploads | backlog [PHOTOS] [square|phone|progressive] | studio [MEGABYTES] [ROUNDS] | scale [POSTS] [JOBS] | cycle-fixtures DIR | cycle ROUNDS DIR | soak [MINUTES] | listeners | syndicate [POSTS] | deliver [FOLLOWERS] [INBOXES] [POSTS] | import [EPISODES] [SECONDS] | follow [FEEDS] [ROUNDS] | mutate PER_FORMAT CHILD [SECONDS] [SEED]"
    )
}
