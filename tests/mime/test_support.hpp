// tests/mime/test_support.hpp
//
// Helpers shared by the MIME unit tests: the corpus directory, reading a
// case, and the generators of the pathological shapes.
#pragma once

#include "mime/describe.hpp"
#include "mime/parser.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace x400gw::mime::test {

inline std::filesystem::path cases_dir()
{
    return X400GW_MIME_CASES_DIR;
}

inline std::string read_file(std::filesystem::path const& p)
{
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::vector<std::filesystem::path> case_files()
{
    std::vector<std::filesystem::path> v;
    for (auto const& e : std::filesystem::directory_iterator(cases_dir()))
        if (e.path().extension() == ".eml")
            v.push_back(e.path());
    std::sort(v.begin(), v.end());
    return v;
}

// The tree fed in pieces of `piece` octets.
inline message parse_in_pieces(std::string_view s, std::size_t piece, limits l = {})
{
    parser p(l);
    for (std::size_t i = 0; i < s.size(); i += piece)
        p.feed(s.substr(i, piece));
    return p.finish();
}

// Everything a test compares: BODYSTRUCTURE plus flags and offsets.
inline std::string fingerprint(message const& m)
{
    return describe(m) + "\n" + describe_json(m);
}

} // namespace x400gw::mime::test
