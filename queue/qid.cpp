// queue/qid.cpp
#include "queue/qid.hpp"

namespace x400gw::queue {
namespace {
constexpr std::string_view alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
}

std::string render_qid(std::uint64_t key)
{
    std::string out(10, '0');
    for (int i = 9; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = alphabet[key & 31];
        key >>= 5;
    }
    return out;
}

std::optional<std::uint64_t> parse_qid(std::string_view text) noexcept
{
    if (text.size() != 10)
        return std::nullopt;
    std::uint64_t key = 0;
    for (char c : text) {
        if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
        auto const pos = alphabet.find(c);
        if (pos == std::string_view::npos)
            return std::nullopt;
        key = key << 5 | pos;
    }
    return key;
}

} // namespace x400gw::queue
