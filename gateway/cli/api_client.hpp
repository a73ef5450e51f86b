// gateway/cli/api_client.hpp
//
// x400gwctl's side of the REST API: one blocking HTTP or HTTPS exchange
// per call (a command-line tool has nothing else to do meanwhile). The
// only translation unit of x400gwctl that includes Beast.
#pragma once

#include <string>

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

// method and path ("/api/v1/queue?state=held"); body sent as JSON when not empty.
api_reply call_api(api_options const& o, std::string const& token, std::string const& method,
                   std::string const& path, std::string const& body = {});

} // namespace x400gw::cli
