#pragma once
// The SQLite database as a file: created owner-only, watched for being removed or replaced, its
// file system watched for space, and the outbox depth shared by every store open on it.
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace smrel::storage::sqlite {

// Which file the path named when the store opened it, to notice it being removed or replaced
// (SQLite keeps writing to the open, unlinked inode and every commit would be lost).
struct file_identity {
  dev_t device = 0;
  ino_t inode = 0;
};

/// Creates the database file owner-only before SQLite does (SQLite gives -wal and -shm the
/// database file's mode), and tightens an existing one (and its -wal/-shm) that is more open.
file_identity prepare_database_file(const std::string& path);

/// Throws store_error (unavailable) when `path` no longer names the file opened as `identity`.
void ensure_same_file(const std::string& path, const file_identity& identity);

/// Throws store_error (unavailable) when the file system of `path` has less than `min_free_bytes`.
void ensure_free_space(const std::string& path, std::uint64_t min_free_bytes);

// The outbox depth of one database file, shared by every store open on it in this process (the
// service and the admin CLI or a test harness, say): a change made through one is seen by all.
struct shared_depth {
  std::atomic<std::int64_t> rows{0};
  std::atomic<std::uint64_t> reads{0};
};

std::shared_ptr<shared_depth> depth_of(const file_identity& file);

}  // namespace smrel::storage::sqlite
