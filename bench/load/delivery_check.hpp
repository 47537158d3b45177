// The checks one client makes on what it receives, without I/O: a session's seqs arrive once,
// in order and without gaps; each sender's posts arrive in the order they were sent, once.
#pragma once

#include <cstdint>
#include <vector>

namespace hashchat::bench::load {

struct delivery_counts {
    std::uint64_t gaps = 0;  // numbers skipped over (lost unless they come later)
    std::uint64_t duplicated = 0;
    std::uint64_t out_of_order = 0;
};

enum class verdict { next, gap, duplicate, out_of_order };

// A sequence that must go 1, 2, 3, ... (a session's seq, or one sender's n).
class sequence_check {
  public:
    verdict see(std::int64_t v, delivery_counts& counts) {
        if (v == last_ + 1) {
            last_ = v;
            return verdict::next;
        }
        if (v > last_) {
            counts.gaps += static_cast<std::uint64_t>(v - last_ - 1);
            last_ = v;
            return verdict::gap;
        }
        if (v == last_) {
            ++counts.duplicated;
            return verdict::duplicate;
        }
        ++counts.out_of_order;  // or a duplicate of an older one: either breaks the guarantee
        return verdict::out_of_order;
    }
    std::int64_t last() const { return last_; }

  private:
    std::int64_t last_ = 0;
};

// One sequence per sender, indexed by the sender's poster number.
class senders_check {
  public:
    explicit senders_check(std::size_t senders = 0) : senders_(senders) {}
    verdict see(std::size_t sender, std::int64_t n, delivery_counts& counts) {
        if (sender >= senders_.size()) senders_.resize(sender + 1);
        return senders_[sender].see(n, counts);
    }
    std::int64_t last(std::size_t sender) const {
        return sender < senders_.size() ? senders_[sender].last() : 0;
    }

  private:
    std::vector<sequence_check> senders_;
};

}  // namespace hashchat::bench::load
