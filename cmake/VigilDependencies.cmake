# Every third-party dependency comes from Debian 12 packages; nothing is downloaded.
find_package(PkgConfig REQUIRED)

# Hyperscan and Vectorscan share one API; Vectorscan ships a libhs.pc too, so
# "auto" takes whichever pkg-config finds.
if(VIGIL_REGEX_ENGINE STREQUAL "vectorscan")
  pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs>=5.4)
else()
  pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs>=5.2)
endif()
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

find_package(Threads REQUIRED)
find_package(RocksDB CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(nlohmann_json 3.10 CONFIG REQUIRED)
find_package(yaml-cpp CONFIG REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
if(VIGIL_TESTS)
  find_package(Catch2 2.13 CONFIG REQUIRED)
endif()

# Debian's RocksDB config names the shared target RocksDB::rocksdb-shared on some
# builds and RocksDB::rocksdb on others.
if(TARGET RocksDB::rocksdb-shared)
  set(VIGIL_ROCKSDB_TARGET RocksDB::rocksdb-shared)
else()
  set(VIGIL_ROCKSDB_TARGET RocksDB::rocksdb)
endif()
