#include "chat_text.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>

namespace hashchat::bench {

namespace {

// The head of the vocabulary, most frequent first: function words, then the words of teachers'
// chats (with their forms, so that prefix searches match several words).
constexpr std::string_view head_words[] = {"the",
                                           "and",
                                           "to",
                                           "a",
                                           "of",
                                           "i",
                                           "in",
                                           "it",
                                           "is",
                                           "that",
                                           "for",
                                           "we",
                                           "my",
                                           "students",
                                           "with",
                                           "this",
                                           "you",
                                           "they",
                                           "on",
                                           "be",
                                           "are",
                                           "have",
                                           "but",
                                           "so",
                                           "our",
                                           "them",
                                           "learning",
                                           "what",
                                           "not",
                                           "do",
                                           "class",
                                           "at",
                                           "can",
                                           "all",
                                           "as",
                                           "when",
                                           "teachers",
                                           "about",
                                           "time",
                                           "really",
                                           "how",
                                           "from",
                                           "more",
                                           "if",
                                           "think",
                                           "one",
                                           "like",
                                           "just",
                                           "their",
                                           "kids",
                                           "lesson",
                                           "school",
                                           "use",
                                           "get",
                                           "was",
                                           "an",
                                           "or",
                                           "some",
                                           "will",
                                           "us",
                                           "them",
                                           "also",
                                           "help",
                                           "start",
                                           "work",
                                           "me",
                                           "there",
                                           "new",
                                           "good",
                                           "way",
                                           "make",
                                           "love",
                                           "reading",
                                           "each",
                                           "year",
                                           "week",
                                           "ideas",
                                           "great",
                                           "try",
                                           "questions",
                                           "feedback",
                                           "know",
                                           "teacher",
                                           "lessons",
                                           "then",
                                           "need",
                                           "writing",
                                           "by",
                                           "who",
                                           "other",
                                           "children",
                                           "first",
                                           "pupils",
                                           "teaching",
                                           "would",
                                           "tried",
                                           "which",
                                           "find",
                                           "back",
                                           "classroom",
                                           "idea",
                                           "day",
                                           "see",
                                           "because",
                                           "much",
                                           "still",
                                           "well",
                                           "into",
                                           "always",
                                           "every",
                                           "give",
                                           "been",
                                           "share",
                                           "best",
                                           "read",
                                           "maths",
                                           "talk",
                                           "group",
                                           "activity",
                                           "things",
                                           "thanks",
                                           "question",
                                           "agree",
                                           "hard",
                                           "team",
                                           "same",
                                           "many",
                                           "parents",
                                           "learn",
                                           "why",
                                           "answer",
                                           "going",
                                           "thinking",
                                           "used",
                                           "works",
                                           "behaviour",
                                           "less",
                                           "part",
                                           "take",
                                           "could",
                                           "feel",
                                           "those",
                                           "assessment",
                                           "task",
                                           "end",
                                           "after",
                                           "year7",
                                           "staff",
                                           "curriculum",
                                           "home",
                                           "planning",
                                           "before",
                                           "getting",
                                           "something",
                                           "look",
                                           "should",
                                           "them",
                                           "most",
                                           "sure",
                                           "lot",
                                           "than",
                                           "point",
                                           "found",
                                           "focus",
                                           "useful",
                                           "quick",
                                           "different",
                                           "practice",
                                           "knowledge",
                                           "retrieval",
                                           "quiz",
                                           "science",
                                           "english",
                                           "history",
                                           "student",
                                           "learners",
                                           "learned",
                                           "teach",
                                           "taught",
                                           "assess",
                                           "assessing",
                                           "assessments",
                                           "modelling",
                                           "explain",
                                           "explicit",
                                           "vocabulary",
                                           "recall",
                                           "memory",
                                           "homework",
                                           "marking",
                                           "books",
                                           "notes",
                                           "board",
                                           "tables",
                                           "seating",
                                           "pairs",
                                           "groups",
                                           "discussion",
                                           "oracy",
                                           "language",
                                           "words",
                                           "examples",
                                           "success",
                                           "criteria",
                                           "scaffold",
                                           "scaffolding",
                                           "support",
                                           "challenge",
                                           "stretch",
                                           "send",
                                           "inclusion",
                                           "wellbeing",
                                           "workload",
                                           "leaders",
                                           "leadership",
                                           "mentor",
                                           "mentoring",
                                           "coaching",
                                           "training",
                                           "cpd",
                                           "research",
                                           "evidence",
                                           "effect",
                                           "impact",
                                           "data",
                                           "tests",
                                           "exams",
                                           "revision",
                                           "mocks",
                                           "grades",
                                           "progress",
                                           "attainment",
                                           "motivation",
                                           "motivated",
                                           "motivate",
                                           "engagement",
                                           "engaged",
                                           "attention",
                                           "routines",
                                           "routine",
                                           "expectations",
                                           "relationships",
                                           "trust",
                                           "culture",
                                           "community",
                                           "voice",
                                           "choice",
                                           "independence",
                                           "independent",
                                           "confidence",
                                           "resilience",
                                           "mistakes",
                                           "growth",
                                           "mindset",
                                           "reflection",
                                           "reflect",
                                           "reflective",
                                           "exit",
                                           "ticket",
                                           "tickets",
                                           "starter",
                                           "plenary",
                                           "hook",
                                           "hooks",
                                           "entry",
                                           "opening",
                                           "minutes",
                                           "silent",
                                           "mini",
                                           "whiteboards",
                                           "cold",
                                           "calling",
                                           "wait",
                                           "hands",
                                           "names",
                                           "praise",
                                           "rewards",
                                           "sanctions",
                                           "calm",
                                           "noise",
                                           "transitions",
                                           "differentiation",
                                           "differentiate",
                                           "differentiated",
                                           "adaptive",
                                           "phonics",
                                           "fluency",
                                           "comprehension",
                                           "novel",
                                           "poetry",
                                           "stories",
                                           "library",
                                           "display",
                                           "displays",
                                           "outdoor",
                                           "play",
                                           "art",
                                           "music",
                                           "sport",
                                           "trip",
                                           "visit",
                                           "projects",
                                           "project",
                                           "inquiry",
                                           "curiosity",
                                           "wonder",
                                           "creativity",
                                           "creative",
                                           "technology",
                                           "devices",
                                           "online",
                                           "videos",
                                           "slides",
                                           "worksheets",
                                           "textbooks",
                                           "resources",
                                           "planner",
                                           "timetable",
                                           "meetings",
                                           "email",
                                           "deadline",
                                           "inspection",
                                           "ofsted",
                                           "governors",
                                           "budget",
                                           "cover",
                                           "supply",
                                           "newly",
                                           "qualified",
                                           "trainee",
                                           "trainees",
                                           "primary",
                                           "secondary",
                                           "nursery",
                                           "reception",
                                           "sixth",
                                           "form",
                                           "college",
                                           "university",
                                           "tutor",
                                           "tutoring",
                                           "pastoral",
                                           "attendance",
                                           "punctuality",
                                           "uniform",
                                           "lunch",
                                           "break",
                                           "playground",
                                           "assembly",
                                           "friday",
                                           "monday",
                                           "term",
                                           "holiday",
                                           "summer",
                                           "autumn",
                                           "spring",
                                           "winter",
                                           "tonight",
                                           "everyone",
                                           "hello",
                                           "evening",
                                           "welcome",
                                           "hi",
                                           "lovely",
                                           "brilliant",
                                           "absolutely",
                                           "definitely",
                                           "totally",
                                           "exactly",
                                           "yes",
                                           "no",
                                           "maybe",
                                           "perhaps",
                                           "often"};

// Made-up words for the tail: syllables put together, as many as the vocabulary needs.
constexpr std::string_view syllables[] = {"ka",   "lo",  "mi",  "ren", "tu",  "sa", "vor", "pel",
                                          "dri",  "nok", "ba",  "sin", "gar", "fe", "tho", "lu",
                                          "quen", "po",  "zar", "wi",  "mon", "el", "dax", "ri"};

// Set phrases of teachers' chats, most frequent first.
constexpr std::string_view phrases[] = {
    "growth mindset",    "exit tickets",         "retrieval practice",       "cold calling",
    "think pair share",  "success criteria",     "formative assessment",     "behaviour management",
    "mini whiteboards",  "do now task",          "low stakes quizzing",      "wait time",
    "spaced practice",   "dual coding",          "worked examples",          "cognitive load",
    "high expectations", "explicit instruction", "reading for pleasure",     "peer assessment",
    "student voice",     "teacher workload",     "professional development", "learning walks"};

constexpr std::string_view endings[] = {".", ".", "!", "?", ".", " 🙂"};

}  // namespace

zipf::zipf(std::size_t n, double s) {
    cumulative_.reserve(n);
    double total = 0;
    for (std::size_t i = 0; i < n; ++i) {
        total += 1.0 / std::pow(static_cast<double>(i + 1), s);
        cumulative_.push_back(total);
    }
    for (auto& c : cumulative_) c /= total;
}

std::size_t zipf::operator()(rng& r) const {
    const double u = r.real();
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    return std::min<std::size_t>(static_cast<std::size_t>(it - cumulative_.begin()),
                                 cumulative_.size() - 1);
}

const std::vector<std::string_view>& chat_text::rare_words() {
    static const std::vector<std::string_view> words = {
        "oobleck",    "quokka",   "zeugma",    "pentimento", "sesquipedalian", "tessellation",
        "bathyscape", "ziggurat", "kerfuffle", "lagniappe",  "palimpsest",     "vellichor"};
    return words;
}

chat_text::chat_text() : word_rank_(1, 1.0), phrase_rank_(std::size(phrases), 1.0) {
    std::set<std::string_view> seen;
    for (const auto w : head_words) {
        if (seen.insert(w).second) words_.emplace_back(w);
    }
    // The tail: 3,200 made-up words of two or three syllables, in a fixed order.
    rng r(20241104);
    std::set<std::string> made;
    while (made.size() < 3200) {
        std::string w;
        const std::size_t n = 2 + r.below(2);
        for (std::size_t i = 0; i < n; ++i) w += syllables[r.below(std::size(syllables))];
        if (seen.count(w) == 0 && made.insert(w).second) words_.push_back(w);
    }
    word_rank_ = zipf(words_.size(), 1.0);
}

std::string chat_text::post(rng& r, std::size_t min_words, std::size_t max_words) const {
    const std::size_t n = min_words + r.below(max_words - min_words + 1);
    const std::size_t phrase_at = r.chance(0.15) ? r.below(n) : n;
    const std::size_t rare_at =
        r.chance(1e-5 * static_cast<double>(rare_words().size())) ? r.below(n) : n;
    std::string out;
    out.reserve(n * 7 + 48);
    bool sentence_start = true;
    for (std::size_t i = 0; i < n; ++i) {
        if (!out.empty()) out += ' ';
        std::string_view w = words_[word_rank_(r)];
        if (i == phrase_at) w = phrases[phrase_rank_(r)];
        if (i == rare_at) w = rare_words()[r.below(rare_words().size())];
        const std::size_t at = out.size();
        out += w;
        if (sentence_start && out[at] >= 'a' && out[at] <= 'z') out[at] -= 'a' - 'A';
        sentence_start = false;
        if (i + 1 < n && r.chance(0.08)) {
            out += r.chance(0.7) ? "." : ",";
            sentence_start = out.back() == '.';
        }
    }
    out += endings[r.below(std::size(endings))];
    if (r.chance(0.04)) {
        out += " https://example.org/resources/" + words_[r.below(words_.size())] + "-" +
               std::to_string(r.below(1000)) + "?ref=chat";
    }
    return out;
}

}  // namespace hashchat::bench
