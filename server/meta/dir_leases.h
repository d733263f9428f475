// Directory leases, in memory: weft-meta's promise to one session that no other session adds a name to
// a directory until a deadline, so that the session may answer lookups of names it did not add with
// ENOENT itself. The kernel looks every name up before it creates it (a negative LOOKUP, then CREATE):
// with a lease, a create into a directory the client made costs one metadata round trip instead of two.
//
// The rules (docs/meta-semantics.md, "Directory leases"):
// - A lease starts with its directory: Mkdir grants it to the session that made the directory, when
//   asked, because that session then knows every name in it (none).
// - Every add by the holder (create, mknod, mkdir, symlink, link, rename into it) renews it: deadline =
//   now + lease_ms. The holder trusts it until its request's send time + lease_ms, never longer.
// - An add by another session ends it for good: the add waits until the deadline (the holder may trust
//   the lease until then; its own adds no longer renew it meanwhile), then the record goes, and the
//   directory never gets a lease again (its holder no longer knows every name in it).
// - An expired lease whose record is intact (no other session added since) is renewed by the holder's
//   next add: nothing it knows was broken meanwhile.
// - A restarted weft-meta has forgotten its leases: when sessions that were ever granted one survived
//   the restart (rec::Session.dir_leases), every add to a directory without a record waits until
//   lease_ms after the start.
// - Removals, renames out of the directory, reads and attribute changes do not touch leases: they
//   cannot make a name the holder does not know exist.
//
// - Deferred creates (docs/async-creates.md): a session that reserved inodes (SetDeferring) may answer a
//   create in a directory it holds the lease on before weft-meta has it, and send it later
//   (AddDeferred). So another session's *read* of such a directory (a lookup in it, a listing, an rmdir
//   or rename over it) waits for the lease too (BlockedUntilRead), and ends it: a deferred create that
//   arrives after that is refused, never applied behind a reader's back.
//
// - Recalls (docs/meta-semantics.md, "Lease recalls"): a holder that listens (WaitRecalls, a Recall call
//   it keeps waiting) is told when another session starts waiting for one of its leases; it sends what
//   it answered in that directory and hands the lease back (Release), which ends it at once and wakes
//   the waiters (SleepUntil). A holder that does not listen is waited out, as above.
//
// Bounded: at most max_dirs records; a grant that finds the table full first drops the expired records
// (their holders learn at their next add that the lease ended), and grants nothing if none expired.
//
// Thread-safety: thread-safe. Grant and Add run in the sequencer (atomic with the op that adds);
// BlockedUntil runs on the caller's thread before it submits an add.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace weft::meta {

class DirLeases {
 public:
  // lease_ms == 0 disables leases (Grant grants nothing, nothing ever waits).
  DirLeases(uint32_t lease_ms, size_t max_dirs) : lease_ms_(lease_ms), max_dirs_(max_dirs) {}

  // weft-meta started at now_ms with sessions from before (a restart): they may hold leases it no
  // longer knows, so adds to directories without a record wait until now_ms + lease_ms.
  // reads: sessions from before may have deferred creates in flight, so reads wait too.
  void StartQuiet(int64_t now_ms, bool reads = false);

  uint32_t lease_ms() const { return lease_ms_; }

  // Mkdir made dir for session: a new lease. Returns its grant id, 0 when none was granted.
  uint64_t Grant(uint64_t dir, uint64_t session, int64_t now_ms);

  struct AddResult {
    int64_t wait_until = 0;  // > now: the add must not run before then (another session's lease)
    uint64_t grant = 0;      // != 0: session holds the lease on dir, renewed to now + lease_ms
  };
  // An add of a name to dir by session, in the sequencer. When the result says wait, nothing changed
  // but the lease's revocation (its holder's adds no longer renew it).
  AddResult Add(uint64_t dir, uint64_t session, int64_t now_ms);

  // Before an add to dir by session is submitted: the time until which it would wait (0 = it would
  // not). Marks another session's live lease revoked, so that time does not move.
  int64_t BlockedUntil(uint64_t dir, uint64_t session, int64_t now_ms);

  // session reserved inodes for deferred creates (on), or ended (off).
  void SetDeferring(uint64_t session, bool on);
  bool deferring(uint64_t session) const;

  // Before session reads dir (a lookup in it, a listing, an rmdir or rename over it): the time until
  // which it waits, 0 = none. A deferring session's live lease on dir is revoked and waited for; once it
  // lapsed, its record goes, so that a deferred create arriving after the read is refused. After a restart
  // with deferring sessions, reads of directories without a record wait out the quiet period.
  int64_t BlockedUntilRead(uint64_t dir, uint64_t session, int64_t now_ms);

  struct DeferredAdd {
    bool ok = false;     // false: the lease was lost first (the create must be refused)
    uint64_t grant = 0;  // != 0: the lease, renewed
  };
  // A create that session answered itself in dir arrives (in the sequencer). It stands when session's
  // lease on dir does (renewed unless revoked; a revoked one until its deadline), or during the quiet
  // period after a restart when dir has no record.
  DeferredAdd AddDeferred(uint64_t dir, uint64_t session, int64_t now_ms);

  // dir is gone (rmdir, or renamed over): its record goes.
  void Forget(uint64_t dir);

  // Sleeps until until_ms (MonoMs), or less when a lease was handed back (Release) since
  // release_generation() returned `seen`, or Close ran: the caller then asks BlockedUntil or
  // BlockedUntilRead again. Take `seen` before asking them, so a release in between is not missed.
  void SleepUntil(int64_t until_ms, uint64_t seen);
  uint64_t release_generation() const { return released_gen_.load(); }

  // session listens for recalls from now on, and waits until until_ms (MonoMs) at most for one: the
  // directories whose leases another session has started to wait for since the last call (each told
  // once). Returns early, empty, when the session ends or Close runs.
  std::vector<uint64_t> WaitRecalls(uint64_t session, int64_t until_ms);
  // session hands back its leases on dirs (every create it answered there was sent): their records go
  // now, and whoever waits for them goes on. A dir whose lease is not session's is left alone.
  void Release(uint64_t session, const std::vector<uint64_t>& dirs);
  // session stops listening (it unmounts): its waiting WaitRecalls returns; leases are waited out again.
  void StopListening(uint64_t session);
  // session ended (unmount, expiry): it neither defers nor listens any more, and its leases end now
  // (whoever waits for one goes on).
  void SessionEnded(uint64_t session);
  // weft-meta stops: every WaitRecalls returns, and sleepers wake.
  void Close();

  size_t size() const;

 private:
  struct Lease {
    uint64_t session = 0;
    uint64_t grant = 0;
    int64_t deadline = 0;  // monotonic ms
    bool revoked = false;  // another session waits for the deadline: no renewal
    bool recalled = false;  // its holder was asked to hand it back
  };
  // REQUIRES: mu_ held.
  int64_t WaitLocked(uint64_t dir, uint64_t session, int64_t now_ms, bool revoke);
  // l (on dir) is being waited for: revoke it, and ask its holder for it when the holder listens.
  // REQUIRES: mu_ held.
  void RevokeLocked(uint64_t dir, Lease& l);

  const uint32_t lease_ms_;
  const size_t max_dirs_;
  mutable std::mutex mu_;
  int64_t quiet_until_ = 0;  // GUARDED_BY(mu_): adds without a record wait until then (after a restart)
  bool quiet_reads_ = false;  // GUARDED_BY(mu_): reads wait then too (deferring sessions survived it)
  // Lock-free view for BlockedUntilRead's fast path (every lookup and listing asks): how many sessions
  // defer, and until when reads wait after a restart (0 = they do not).
  std::atomic<size_t> deferring_n_{0};
  std::atomic<int64_t> read_quiet_until_{0};
  std::unordered_set<uint64_t> deferring_;  // GUARDED_BY(mu_): sessions with reserved inodes
  std::unordered_map<uint64_t, Lease> leases_;  // GUARDED_BY(mu_), by directory inode
  uint64_t next_grant_ = 1;                     // GUARDED_BY(mu_)
  std::unordered_set<uint64_t> listening_;      // GUARDED_BY(mu_): sessions that called WaitRecalls
  std::unordered_map<uint64_t, std::vector<uint64_t>> recalls_;  // GUARDED_BY(mu_): session -> dirs to hand back
  bool closed_ = false;                         // GUARDED_BY(mu_)
  std::atomic<uint64_t> released_gen_{0};       // Release calls so far (written under mu_; read lock-free)
  std::condition_variable recall_cv_;           // WaitRecalls: a recall, a session's end, Close
  std::condition_variable released_cv_;         // SleepUntil: a lease handed back, Close
};

}  // namespace weft::meta
