#include "bot/storage/sqlite/database_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <utility>

#include "bot/storage/store.hpp"

namespace smrel::storage::sqlite {
namespace {

// Owner-only: the database holds chat user ids and reply addresses.
constexpr mode_t owner_only = 0600;

}  // namespace

file_identity prepare_database_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, owner_only);
  if (fd < 0) {
    throw store_error("cannot open SQLite database \"" + path + "\": " + std::strerror(errno),
                      store_failure::unavailable);
  }
  struct stat st {};
  const bool known = ::fstat(fd, &st) == 0;
  if (known && (st.st_mode & 077) != 0) ::fchmod(fd, st.st_mode & 0700);
  ::close(fd);
  if (!known) throw store_error("cannot stat SQLite database \"" + path + "\"", store_failure::unavailable);
  for (const auto* suffix : {"-wal", "-shm"}) {
    struct stat side {};
    const std::string side_path = path + suffix;
    if (::stat(side_path.c_str(), &side) == 0 && (side.st_mode & 077) != 0) ::chmod(side_path.c_str(), side.st_mode & 0700);
  }
  return {st.st_dev, st.st_ino};
}

void ensure_same_file(const std::string& path, const file_identity& identity) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || st.st_dev != identity.device || st.st_ino != identity.inode) {
    throw store_error("database file was removed or replaced", store_failure::unavailable);
  }
}

void ensure_free_space(const std::string& path, std::uint64_t min_free_bytes) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) throw store_error("cannot check free disk space", store_failure::unavailable);
  const auto free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free_bytes < min_free_bytes) {
    throw store_error("low disk space: " + std::to_string(free_bytes >> 20) + " MiB free", store_failure::unavailable);
  }
}

std::shared_ptr<shared_depth> depth_of(const file_identity& file) {
  static std::mutex mutex;
  static std::map<std::pair<dev_t, ino_t>, std::weak_ptr<shared_depth>> open_files;
  std::lock_guard lock(mutex);
  std::erase_if(open_files, [](const auto& entry) { return entry.second.expired(); });
  auto& slot = open_files[{file.device, file.inode}];
  auto depth = slot.lock();
  if (!depth) {
    depth = std::make_shared<shared_depth>();
    slot = depth;
  }
  return depth;
}

}  // namespace smrel::storage::sqlite
