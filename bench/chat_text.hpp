// Deterministic text for benchmarks: what teachers write in a chat, drawn from a Zipf-like
// vocabulary (a few hundred real words at the head, a few thousand made-up words in the tail),
// with set phrases, rare words and links mixed in, so that searches find what they would find
// in a real archive: common words in most posts, phrases in some, rare words in a handful.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hashchat::bench {

// splitmix64: the same numbers on every platform and standard library (std::*_distribution
// is not specified that precisely).
class rng {
  public:
    explicit rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double real() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
    bool chance(double p) { return real() < p; }

  private:
    std::uint64_t state_;
};

// Samples indexes 0..n-1 with weight 1 / (i + 1)^s.
class zipf {
  public:
    zipf(std::size_t n, double s);
    std::size_t operator()(rng& r) const;

  private:
    std::vector<double> cumulative_;
};

class chat_text {
  public:
    chat_text();

    // A post of roughly `min_words`..`max_words` words.
    std::string post(rng& r, std::size_t min_words = 6, std::size_t max_words = 40) const;
    const std::vector<std::string>& vocabulary() const { return words_; }
    // Words that the generator puts in about one post in 100,000.
    static const std::vector<std::string_view>& rare_words();

  private:
    std::vector<std::string> words_;
    zipf word_rank_;
    zipf phrase_rank_;
};

}  // namespace hashchat::bench
