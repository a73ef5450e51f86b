// bench/mime/gmime_bench.cpp
//
//   mime_bench_gmime SECONDS DIR...
//
// GMime 3 on the same corpus: parse each message from memory and walk every
// part (g_mime_message_foreach visits all of them, nested ones included),
// reading each part's content type as x400gw's walk does.
#include "corpus.hpp"

#include <gmime/gmime.h>

#include <cstdlib>
#include <cstring>

namespace b = x400gw::bench;

namespace {

void visit(GMimeObject*, GMimeObject* part, gpointer data)
{
    auto* sink = static_cast<std::size_t*>(data);
    GMimeContentType* ct = g_mime_object_get_content_type(part);
    if (ct) {
        char const* t = g_mime_content_type_get_media_type(ct);
        *sink += t ? std::strlen(t) : 0;
    }
    ++*sink;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s SECONDS DIR...\n", argv[0]);
        return 2;
    }
    double secs = std::atof(argv[1]);
    auto corpus = b::load_corpus(argc, argv, 2);
    g_mime_init();
    std::size_t sink = 0;
    auto r = b::time_passes([&] {
        for (auto const& msg : corpus) {
            GMimeStream* stream = g_mime_stream_mem_new_with_buffer(msg.data(), msg.size());
            GMimeParser* parser = g_mime_parser_new_with_stream(stream);
            GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
            if (message) {
                g_mime_message_foreach(message, visit, &sink);
                g_object_unref(message);
            }
            g_object_unref(parser);
            g_object_unref(stream);
        }
    }, secs);
    b::report("GMime 3 parse+walk", r, corpus);
    g_mime_shutdown();
    return sink == 42 ? 1 : 0;
}
