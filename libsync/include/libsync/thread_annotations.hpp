#pragma once
// Mutexes that Clang's thread-safety analysis understands, and the annotations that tie
// state to the mutex guarding it. A member declared `LIBSYNC_GUARDED_BY(mutex_)` can only be
// touched while `mutex_` is held; `clang++ -Wthread-safety` (a step of scripts/test.sh)
// turns a forgotten lock into a compile error. Under GCC the annotations expand to nothing
// and the types are thin inline wrappers over the standard ones.
//
// The standard mutexes carry no annotations (libstdc++ has none), hence the wrappers, as in
// leveldb's port::Mutex and Abseil's absl::Mutex.

#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define LIBSYNC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define LIBSYNC_THREAD_ANNOTATION(x)
#endif

#define LIBSYNC_CAPABILITY(name) LIBSYNC_THREAD_ANNOTATION(capability(name))
#define LIBSYNC_SCOPED_CAPABILITY LIBSYNC_THREAD_ANNOTATION(scoped_lockable)
#define LIBSYNC_GUARDED_BY(mutex) LIBSYNC_THREAD_ANNOTATION(guarded_by(mutex))
#define LIBSYNC_PT_GUARDED_BY(mutex) LIBSYNC_THREAD_ANNOTATION(pt_guarded_by(mutex))
#define LIBSYNC_REQUIRES(...) LIBSYNC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define LIBSYNC_REQUIRES_SHARED(...) LIBSYNC_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define LIBSYNC_EXCLUDES(...) LIBSYNC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define LIBSYNC_ACQUIRE(...) LIBSYNC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define LIBSYNC_ACQUIRE_SHARED(...) LIBSYNC_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define LIBSYNC_RELEASE(...) LIBSYNC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define LIBSYNC_RELEASE_SHARED(...) LIBSYNC_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define LIBSYNC_RELEASE_GENERIC(...) LIBSYNC_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define LIBSYNC_TRY_ACQUIRE(...) LIBSYNC_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define LIBSYNC_RETURN_CAPABILITY(x) LIBSYNC_THREAD_ANNOTATION(lock_returned(x))
#define LIBSYNC_NO_THREAD_SAFETY_ANALYSIS LIBSYNC_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace libsync {

/// std::mutex, annotated. Satisfies Lockable, so std::condition_variable_any can wait on a
/// MutexLock over it.
class LIBSYNC_CAPABILITY("mutex") Mutex {
 public:
  void lock() LIBSYNC_ACQUIRE() { mutex_.lock(); }
  void unlock() LIBSYNC_RELEASE() { mutex_.unlock(); }
  bool try_lock() LIBSYNC_TRY_ACQUIRE(true) { return mutex_.try_lock(); }

 private:
  std::mutex mutex_;
};

/// std::shared_mutex, annotated: lock() for writers, lock_shared() for readers.
class LIBSYNC_CAPABILITY("shared mutex") SharedMutex {
 public:
  void lock() LIBSYNC_ACQUIRE() { mutex_.lock(); }
  void unlock() LIBSYNC_RELEASE() { mutex_.unlock(); }
  void lock_shared() LIBSYNC_ACQUIRE_SHARED() { mutex_.lock_shared(); }
  void unlock_shared() LIBSYNC_RELEASE_SHARED() { mutex_.unlock_shared(); }

 private:
  std::shared_mutex mutex_;
};

/// Holds a Mutex (or a SharedMutex exclusively) for its scope. lock()/unlock() let a
/// condition variable (std::condition_variable_any) release it while waiting.
template <class M>
class LIBSYNC_SCOPED_CAPABILITY ExclusiveLock {
 public:
  explicit ExclusiveLock(M& mutex) LIBSYNC_ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~ExclusiveLock() LIBSYNC_RELEASE() {
    if (held_) mutex_.unlock();
  }
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;

  void lock() LIBSYNC_ACQUIRE() {
    mutex_.lock();
    held_ = true;
  }
  void unlock() LIBSYNC_RELEASE() {
    held_ = false;
    mutex_.unlock();
  }

 private:
  M& mutex_;
  bool held_ = true;
};

using MutexLock = ExclusiveLock<Mutex>;
using WriterLock = ExclusiveLock<SharedMutex>;

/// Holds a SharedMutex shared (as a reader) for its scope.
class LIBSYNC_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mutex) LIBSYNC_ACQUIRE_SHARED(mutex) : mutex_(mutex) { mutex_.lock_shared(); }
  ~ReaderLock() LIBSYNC_RELEASE() { mutex_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mutex_;
};

}  // namespace libsync
