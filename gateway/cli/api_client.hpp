// gateway/cli/api_client.hpp
//
// x400gwctl's side of the REST API: one blocking HTTP or HTTPS exchange
// per call (a command-line tool has nothing else to do meanwhile). The
// only translation unit of x400gwctl that includes Beast.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace x400gw::cli {

struct api_options {
    std::string url = "http://127.0.0.1:8025";   // the admin port
    std::string token_file;                      // else $X400GW_TOKEN
    std::string ca_file;                         // for https: else the system's CAs
};

struct api_reply {
    int status = 0;            // 0: no answer (error says why)
    std::string content_type;
    std::string body;
    std::string error;         // transport trouble, or the problem's detail
};

// The token from --token-file or X400GW_TOKEN; empty with `why` set.
std::string load_token(api_options const& o, std::string& why);

// method and path ("/api/v1/queue?state=held"); the body is sent (as
// `content_type`) when not empty, and always with PUT.
api_reply call_api(api_options const& o, std::string const& token, std::string const& method,
                   std::string const& path, std::string const& body = {},
                   std::string const& content_type = "application/json");

// s percent-encoded for a path segment or a query value.
std::string url_encode(std::string const& s);

// --url, --token-file and --ca-file on a command.
void add_api_options(CLI::App* cmd, api_options& o);

// One call with the token from --token-file or X400GW_TOKEN, whatever the
// answer; nullopt (the reason on stderr) when there is no token.
std::optional<api_reply> call_with_token(api_options const& o, std::string const& method, std::string const& path,
                                         std::string const& body = {},
                                         std::string const& content_type = "application/json");

// A JSON value as a column of output: a string as it is, null as
// `null_text`, anything else serialized.
std::string json_text(boost::json::value const& v, std::string_view null_text = {});

// One call whose 2xx answer is JSON; otherwise the reason (the server's
// detail) on stderr and nullopt.
std::optional<boost::json::value> call_json(api_options const& o, std::string const& method, std::string const& path,
                                            std::string const& body = {});

} // namespace x400gw::cli
