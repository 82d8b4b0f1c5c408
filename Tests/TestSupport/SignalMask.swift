#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `body`, which starts a child process, with no signals blocked on this thread.
///
/// Tests run on thread-pool threads that block most signals, and a child inherits the
/// mask of the thread that spawned it: a broker or worker started from there would ignore
/// SIGTERM, so graceful-shutdown tests could not work and stopping would need SIGKILL.
func withUnblockedSignals<R>(_ body: () throws -> R) rethrows -> R {
    var unblocked = sigset_t()
    var previous = sigset_t()
    sigemptyset(&unblocked)
    pthread_sigmask(SIG_SETMASK, &unblocked, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    return try body()
}
