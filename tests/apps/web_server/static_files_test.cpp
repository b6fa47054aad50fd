// lookup_file (apps/web_server/src/static_files.hpp) on a real temporary tree: the on-disk half of
// path safety (a symlink out of the root, a symlink to "..", a FIFO), directories and index.html,
// and files read whole or left open to be streamed.
#include "static_files.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

using web_server::lookup_file;
using web_server::sanitize_path;

namespace {

class StaticFiles : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/weft-http-static-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        top_ = tmpl;
        std::filesystem::create_directories(top_ + "/root/sub");
        write(top_ + "/root/index.html", "root index");
        write(top_ + "/root/sub/index.html", "sub index");
        write(top_ + "/root/big.bin", std::string(5000, 'x'));
        write(top_ + "/secret.txt", "secret");
        std::filesystem::create_symlink(top_ + "/secret.txt", top_ + "/root/escape");
        std::filesystem::create_symlink("..", top_ + "/root/up");
        std::filesystem::create_symlink("index.html", top_ + "/root/inside");
        ASSERT_EQ(::mkfifo((top_ + "/root/fifo").c_str(), 0600), 0);
        root_ = web_server::canonical_root(top_ + "/root");
    }
    void TearDown() override { std::filesystem::remove_all(top_); }

    static void write(const std::string& path, const std::string& text) {
        std::ofstream(path) << text;
    }
    web_server::FileLookup get(const std::string& target, std::size_t max_in_memory = 4096) {
        web_server::SanitizedPath p = sanitize_path(target);
        EXPECT_TRUE(p.ok()) << target;
        return lookup_file(root_, p, target, true, max_in_memory);
    }

    std::string top_, root_;
};

}  // namespace

TEST_F(StaticFiles, FilesAndDirectories) {
    auto f = get("/");
    EXPECT_EQ(f.status, 200);
    EXPECT_EQ(f.body, "root index");
    EXPECT_EQ(f.size, 10u);
    EXPECT_EQ(f.name, root_ + "/index.html");
    f = get("/sub/");
    EXPECT_EQ(f.status, 200);
    EXPECT_EQ(f.body, "sub index");
    f = get("/sub");
    EXPECT_EQ(f.status, 301);
    EXPECT_EQ(f.location, "/sub/");
    EXPECT_EQ(get("/missing").status, 404);
    EXPECT_EQ(get("/index.html/x").status, 404);  // ENOTDIR
    f = get("/inside");                           // a symlink that stays inside
    EXPECT_EQ(f.status, 200);
    EXPECT_EQ(f.body, "root index");
}

TEST_F(StaticFiles, SymlinksOutOfTheRootAre403) {
    EXPECT_EQ(get("/escape").status, 403);
    EXPECT_EQ(get("/up/secret.txt").status, 403);
    EXPECT_EQ(get("/up").status, 403);
    EXPECT_EQ(get("/up/").status, 403);
    EXPECT_EQ(get("/up/root/index.html").status, 200);  // out and back in: inside, fine
}

TEST_F(StaticFiles, NotARegularFileIs403) {
    EXPECT_EQ(get("/fifo").status, 403);
}

TEST_F(StaticFiles, BigFilesComeBackOpen) {
    auto f = get("/big.bin", 1000);
    ASSERT_EQ(f.status, 200);
    EXPECT_EQ(f.size, 5000u);
    EXPECT_TRUE(f.body.empty());
    ASSERT_NE(f.fd, nullptr);
    EXPECT_EQ(web_server::read_chunk(f.fd->get(), 4000, 1000), std::string(1000, 'x'));
    EXPECT_EQ(web_server::read_chunk(f.fd->get(), 4500, 1000), std::string(500, 'x'));
    // HEAD: the size, no body, nothing left open.
    auto h = lookup_file(root_, sanitize_path("/big.bin"), "/big.bin", false, 1000);
    EXPECT_EQ(h.size, 5000u);
    EXPECT_EQ(h.fd, nullptr);
}

TEST_F(StaticFiles, CacheKeepsSmallWholeFilesForItsTtl) {
    web_server::FileCache cache(std::chrono::milliseconds(60'000), 2, 100);
    cache.put("a", get("/"));
    auto c = cache.get("a");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->body, "root index");
    cache.put("big", get("/big.bin", 1000));  // open, not read whole: not kept
    EXPECT_EQ(cache.get("big"), nullptr);
    cache.put("b", get("/sub/"));
    cache.put("c", get("/inside"));  // full: starts over
    EXPECT_NE(cache.get("c"), nullptr);
    web_server::FileCache off(std::chrono::milliseconds(0), 10, 100);
    off.put("a", get("/"));
    EXPECT_EQ(off.get("a"), nullptr);
    web_server::FileCache brief(std::chrono::milliseconds(1), 10, 100);
    brief.put("a", get("/"));
    ::usleep(20'000);
    EXPECT_EQ(brief.get("a"), nullptr);  // stale
}

TEST(StaticFilesRoot, RootMustBeADirectory) {
    EXPECT_THROW(web_server::canonical_root("/nonexistent/weft"), std::system_error);
    EXPECT_THROW(web_server::canonical_root("/etc/hostname"), std::system_error);
    EXPECT_EQ(web_server::canonical_root("/tmp/../tmp/"),
              std::filesystem::canonical("/tmp").string());
}
