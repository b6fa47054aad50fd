// join and try_join start each poll at the next child, in turn, as Tokio's join! does, so an
// early child cannot starve a later one (issue 16, item 5).

#include <gtest/gtest.h>

#include <vector>

#include "support/test_support.hpp"
#include "weft/weft.hpp"

namespace {

using weft_test::CountingWaker;
using weft_test::poll_once;

// Records its id each time it is polled; pending (waking itself) `pendings` times, then ready.
class Recorder {
  public:
    using Output = int;
    Recorder(std::vector<int>& log, int id, int pendings) : log_(&log), id_(id), left_(pendings) {}
    weft::Poll<int> poll(weft::Context& cx) {
        log_->push_back(id_);
        if (left_-- > 0) {
            cx.waker().wake_by_ref();
            return weft::Pending;
        }
        return id_;
    }

  private:
    std::vector<int>* log_;
    int id_;
    int left_;
};

TEST(JoinFairness, EachPollOfJoinStartsAtTheNextChild) {
    std::vector<int> log;
    auto j = weft::join(Recorder(log, 0, 3), Recorder(log, 1, 3), Recorder(log, 2, 3));
    CountingWaker w;
    for (int i = 0; i < 3; ++i)
        EXPECT_TRUE(poll_once(j, w).is_pending());
    auto p = poll_once(j, w);
    ASSERT_TRUE(p.is_ready());
    EXPECT_EQ(std::get<2>(std::move(p).value()), 2);
    EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 1, 2, 0, 2, 0, 1, 0, 1, 2}));
}

TEST(JoinFairness, EachPollOfTryJoinStartsAtTheNextChild) {
    std::vector<int> log;
    auto j = weft::try_join(Recorder(log, 0, 2), Recorder(log, 1, 2));
    CountingWaker w;
    EXPECT_TRUE(poll_once(j, w).is_pending());
    EXPECT_TRUE(poll_once(j, w).is_pending());
    EXPECT_TRUE(poll_once(j, w).is_ready());
    EXPECT_EQ(log, (std::vector<int>{0, 1, 1, 0, 0, 1}));
}

// One token is put out before each poll of the join. The greedy child takes it whenever it is
// polled and there is one, and never finishes; the other needs a single token. Polled in
// argument order every time, the second child would never get one.
struct Tokens {
    int available = 0;
    bool needy_done = false;
};
class Greedy {
  public:
    using Output = void;
    explicit Greedy(Tokens& t) : t_(&t) {}
    weft::Poll<void> poll(weft::Context&) {
        t_->available = 0;
        return weft::Pending;
    }

  private:
    Tokens* t_;
};
class Needy {
  public:
    using Output = void;
    explicit Needy(Tokens& t) : t_(&t) {}
    weft::Poll<void> poll(weft::Context&) {
        if (t_->available == 0) return weft::Pending;
        t_->available = 0;
        t_->needy_done = true;
        return weft::Ready;
    }

  private:
    Tokens* t_;
};

TEST(JoinFairness, AnEarlyChildThatAlwaysTakesWhatIsThereDoesNotStarveALaterOne) {
    Tokens tokens;
    auto j = weft::join(Greedy(tokens), Needy(tokens));
    CountingWaker w;
    for (int i = 0; i < 4 && !tokens.needy_done; ++i) {
        tokens.available = 1;
        EXPECT_TRUE(poll_once(j, w).is_pending());
    }
    EXPECT_TRUE(tokens.needy_done) << "the second child never got a turn to go first";
}

}  // namespace
