# Builds docs/openapi.json into the daemon: cmake -DIN=... -DOUT=... -P embed_openapi.cmake
file(READ ${IN} text)
file(WRITE ${OUT} "// Generated from docs/openapi.json by gateway/rest/embed_openapi.cmake.
#include \"gateway/rest/api.hpp\"

namespace x400gw::rest {

std::string_view openapi_document() noexcept
{
    static constexpr char text[] = R\"x400gw(${text})x400gw\";
    return {text, sizeof text - 1};
}

} // namespace x400gw::rest
")
