#include "export_bench.hpp"

#include <cstdio>
#include <functional>
#include <map>

#include "archive/exports.hpp"
#include "measure.hpp"
#include "protocol/event_json.hpp"
#include "protocol/session_json.hpp"
#include "store/index_ops.hpp"
#include "store/sqlite_store.hpp"

namespace hashchat::bench {

namespace {

using nlohmann::json;

core::instant export_start() {
    return core::instant{std::chrono::seconds(1'795'114'800)};  // 2026-11-19T19:00:00Z
}

double median(std::vector<double> v) { return percentile(std::move(v), 50); }
double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

json timing(const std::vector<double>& v) {
    return {{"best_ms", round2(best(v))}, {"median_ms", round2(median(v))}};
}

}  // namespace

void add_event(store::write_batch& batch, const std::string& session_id, const std::string& scope,
               const core::event& e) {
    store::event_row row;
    row.session_id = session_id;
    row.seq = e.seq;
    row.at_ms = e.at.time_since_epoch().count();
    row.kind = std::string(core::kind_of(e.body));
    if (const auto* p = std::get_if<core::post_event>(&e.body)) row.cid = p->cid;
    row.body = std::make_shared<const std::string>(protocol::serialize_event(e));
    batch.events.push_back(std::move(row));
    store::index_ops(session_id, scope, e, batch.index);  // as the server's room does
}

live_chat export_chat(const export_options& o) {
    const chat_text text;
    chat_params p;
    p.id = "bench-export";
    p.hashtag = "#UKEdChat";
    p.start = export_start();
    p.posts = o.posts;
    p.seed = o.seed;
    return make_live_chat(p, text);
}

json run_export(const export_options& o) {
    stopwatch gen;
    const auto chat = export_chat(o);
    std::vector<std::string> frames;
    frames.reserve(chat.events.size());
    std::size_t frame_bytes = 0;
    for (const auto& e : chat.events) {
        frames.push_back(protocol::serialize_event(e));
        frame_bytes += frames.back().size();
    }
    std::printf("export: %zu posts, %zu events, %.1f MB of frames (generated in %.0f ms)\n",
                chat.posts, chat.events.size(), static_cast<double>(frame_bytes) / 1e6, gen.ms());

    const archive::export_context ctx{"https://chat.example.org", export_start()};
    using render_fn = std::function<std::string(const archive::transcript&)>;
    const std::vector<std::pair<std::string, render_fn>> formats = {
        {"html", [&](const archive::transcript& t) { return archive::to_html(t, ctx); }},
        {"md", [&](const archive::transcript& t) { return archive::to_markdown(t, ctx); }},
        {"json", [&](const archive::transcript& t) { return archive::to_json(t, ctx); }},
        {"csv", [&](const archive::transcript& t) { return archive::to_csv(t, ctx); }},
        {"svg", [](const archive::transcript& t) { return archive::activity_svg(t); }}};

    std::vector<double> parse_ms, build_ms;
    std::map<std::string, std::vector<double>> render_ms, total_ms;
    std::map<std::string, std::size_t> bytes;
    json shape;
    for (int run = 0; run < o.runs; ++run) {
        stopwatch sp;
        std::vector<core::event> events;
        events.reserve(frames.size());
        for (const auto& f : frames) {
            if (auto e = protocol::parse_event(f, "")) events.push_back(std::move(*e));
        }
        parse_ms.push_back(sp.ms());
        if (events.size() != frames.size()) throw std::runtime_error("a frame did not parse");
        stopwatch sb;
        const auto t = archive::build(chat.config, events);
        build_ms.push_back(sb.ms());
        shape = {{"visible_posts", t.posts.size()},
                 {"questions", t.questions.size()},
                 {"answers", t.stats.answers},
                 {"replies", t.stats.replies},
                 {"introductions", t.stats.introductions},
                 {"participants", t.stats.participants},
                 {"likes", t.stats.likes},
                 {"announcements", t.announcements.size()}};
        for (const auto& [name, render] : formats) {
            stopwatch sr;
            const auto out = render(t);
            const double ms = sr.ms();
            render_ms[name].push_back(ms);
            total_ms[name].push_back(parse_ms.back() + build_ms.back() + ms);
            bytes[name] = out.size();
        }
    }

    std::printf("transcript: %s\n", shape.dump().c_str());
    constexpr double target_ms = 1000;
    bool met = true;
    json formats_json = json::object();
    std::printf("\n%-8s %12s %12s %14s %14s %10s\n", "format", "render best", "render med",
                "end-to-end best", "end-to-end med", "size");
    std::printf("%-8s %12s %12s %14.1f %14.1f %10s\n", "parse", "", "", best(parse_ms),
                median(parse_ms), "");
    std::printf("%-8s %12s %12s %14.1f %14.1f %10s\n", "build", "", "", best(build_ms),
                median(build_ms), "");
    for (const auto& [name, render] : formats) {
        const auto& r = render_ms[name];
        const auto& e = total_ms[name];
        met = met && median(e) < target_ms;
        std::printf("%-8s %10.1f ms %10.1f ms %11.1f ms %11.1f ms %7.2f MB\n", name.c_str(),
                    best(r), median(r), best(e), median(e), static_cast<double>(bytes[name]) / 1e6);
        formats_json[name] = {{"render", timing(r)},
                              {"end_to_end", timing(e)},
                              {"bytes", bytes[name]},
                              {"met", median(e) < target_ms}};
    }
    std::printf("target: parse + build + render under %.0f ms in every format: %s\n", target_ms,
                met ? "met" : "MISSED");
    return {{"posts", chat.posts},
            {"transcript", std::move(shape)},
            {"events", chat.events.size()},
            {"frame_bytes", frame_bytes},
            {"runs", o.runs},
            {"parse", timing(parse_ms)},
            {"build", timing(build_ms)},
            {"formats", std::move(formats_json)},
            {"target_ms", target_ms},
            {"met", met}};
}

std::string store_export_chat(const std::filesystem::path& dir, const export_options& o) {
    const auto chat = export_chat(o);
    std::filesystem::create_directories(dir);
    store::sqlite_store db(dir / "hashchat.sqlite3", store::durability::normal);
    const auto& id = chat.config.id;
    const auto created = chat.config.created_at.time_since_epoch().count();
    if (!db.create_session(id, protocol::config_to_json(chat.config), "bench-key-hash", created)) {
        return id;  // already there
    }
    store::write_batch batch;
    const auto scope = store::post_scope(chat.config.hashtag, chat.config.series);
    for (const auto& e : chat.events) add_event(batch, id, scope, e);
    batch.indexed.emplace_back(id, chat.events.size());  // indexed with its log, as by the server
    db.commit(batch);
    return id;
}

}  // namespace hashchat::bench
