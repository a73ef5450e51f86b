// gateway/cli/address_commands.cpp
//
// `x400gwctl address ...`: the administrator's offline view of addressing/
// (what `postmap -q` is to Postfix). No server needed: the gateway identity
// and tables come from the configuration file (--config, TOML section
// [addressing]) or from options that override it, accepted anywhere after
// `address`:
//   --gateway-domain DOMAIN  --gateway-or ORADDRESS  --table KIND=FILE
//
//   address parse TEXT [--form std-or|labelled|imcea --domain D] [--json]
//   address validate TEXT [--json]
//   address to-rfc822 [--role R] TEXT
//   address to-x400 [--role R] ADDRESS [--json]
//   address table check --kind KIND FILE
//   address table convert --kind KIND --to dns|mixer FILE
//
// Exit status: 0 done, 1 address or table refused (reason on stderr, with
// the stage and, for tables, file and line), 2 usage error.
#include "gateway/cli/commands.hpp"
#include "gateway/cli/input.hpp"

#include "addressing/imcea.hpp"
#include "addressing/mixer.hpp"
#include "addressing/mapper.hpp"
#include "addressing/std_or.hpp"
#include "addressing/table.hpp"
#include "addressing/validate.hpp"

#include <boost/json.hpp>

#include <iostream>
#include <memory>

namespace x400gw::cli {

namespace {

namespace ad = x400gw::addressing;

struct address_options {
    std::string config_file;
    std::string gateway_domain;
    std::string gateway_or;
    std::vector<std::string> table_specs; // KIND=FILE
    // per command
    std::string text;
    std::string form = "std-or";
    std::string domain;
    bool json = false;
    std::string role = "recipient";
    std::string kind;
    std::string to;
    std::string file;
};

constexpr int ok = 0;
constexpr int refused = 1;
constexpr int usage = 2;

std::string with_offset(ad::error const& e)
{
    if (e.offset == ad::error::npos)
        return e.why;
    return e.why + " (at offset " + std::to_string(e.offset) + ")";
}

boost::json::object to_json(ad::or_address const& a)
{
    boost::json::object o;
    auto put = [&](char const* key, std::optional<std::string> const& v) {
        if (v)
            o[key] = *v;
    };
    put("C", a.c);
    put("ADMD", a.admd);
    put("PRMD", a.prmd);
    put("O", a.o);
    if (!a.ou.empty()) {
        boost::json::array ous;
        for (auto const& ou : a.ou)
            ous.emplace_back(ou);
        o["OU"] = std::move(ous);
    }
    put("S", a.surname);
    put("G", a.given);
    put("I", a.initials);
    put("GQ", a.generation);
    put("CN", a.common_name);
    put("X121", a.x121);
    put("UA-ID", a.ua_id);
    put("T-ID", a.t_id);
    for (auto const& x : a.other)
        o[x.key] = x.value;
    if (!a.ddas.empty()) {
        boost::json::array ddas;
        for (auto const& d : a.ddas)
            ddas.emplace_back(boost::json::object{{"type", d.type}, {"value", d.value}});
        o["DDA"] = std::move(ddas);
    }
    return o;
}

void print_address(ad::or_address const& a, bool json)
{
    if (json)
        std::cout << boost::json::serialize(to_json(a)) << '\n';
    else
        std::cout << ad::render_std_or(a) << '\n';
}

std::optional<ad::role> parse_role(std::string const& r)
{
    if (r == "recipient") return ad::role::recipient;
    if (r == "header") return ad::role::header;
    if (r == "return") return ad::role::return_path;
    return std::nullopt;
}

// The [addressing] section of the gateway configuration, with the command
// line's overrides applied. Relative table paths are relative to the
// configuration file's directory.
using settings = ad::mapping_config;

// Returns an exit status on failure.
std::variant<settings, int> read_settings(address_options const& opt)
{
    settings s;
    if (!opt.config_file.empty()) {
        if (auto why = read_addressing_section(opt.config_file, s)) {
            std::cerr << "config: " << *why << '\n';
            return usage;
        }
    }
    if (!opt.gateway_domain.empty())
        s.gateway_domain = opt.gateway_domain;
    if (!opt.gateway_or.empty())
        s.gateway_or = opt.gateway_or;
    for (auto const& spec : opt.table_specs) {
        auto eq = spec.find('=');
        auto kind = eq == std::string::npos ? std::nullopt : ad::parse_table_kind(spec.substr(0, eq));
        if (!kind || eq + 1 >= spec.size()) {
            std::cerr << "usage: --table KIND=FILE, KIND one of or-to-domain, domain-to-or, gate-or-to-domain, "
                         "gate-domain-to-or (got '"
                      << spec << "')\n";
            return usage;
        }
        s.table_files[static_cast<std::size_t>(*kind)] = spec.substr(eq + 1);
    }
    return s;
}

// The pieces a mapping command needs. `need_or` says whether the gateway's
// O/R address is required (RFC 822 -> X.400 carries addresses under it).
struct mapping_setup {
    ad::gateway_identity identity;
    ad::mapping_tables tables;
};

std::variant<mapping_setup, int> setup_mapping(address_options const& opt, bool need_or)
{
    auto sv = read_settings(opt);
    if (auto const* status = std::get_if<int>(&sv))
        return *status;
    auto const& s = std::get<settings>(sv);
    mapping_setup out;
    if (s.gateway_domain.empty()) {
        std::cerr << "usage: the gateway domain is needed (--gateway-domain or --config)\n";
        return usage;
    }
    out.identity.domain = s.gateway_domain;
    if (s.gateway_or.empty() && need_or) {
        std::cerr << "usage: the gateway O/R address is needed (--gateway-or or --config)\n";
        return usage;
    }
    if (!s.gateway_or.empty()) {
        auto gw = ad::parse_or_text(s.gateway_or);
        if (!gw) {
            std::cerr << "config: gateway O/R address: " << with_offset(gw.failure()) << '\n';
            return refused;
        }
        out.identity.address = std::move(*gw);
    }
    if (auto e = ad::check_identity(out.identity); e && (need_or || !s.gateway_or.empty() ||
                                                        e->why.rfind("gateway domain", 0) == 0)) {
        std::cerr << "config: " << e->why << '\n';
        return refused;
    }
    std::vector<ad::mapping_table> tables;
    for (std::size_t k = 0; k < ad::table_kind_count; ++k) {
        if (s.table_files[k].empty())
            continue;
        auto t = ad::load_table_file(s.table_files[k], static_cast<ad::table_kind>(k));
        if (!t) {
            std::cerr << "table: " << t.failure().why << '\n';
            return refused;
        }
        for (auto const& w : t->warnings)
            std::cerr << "warning: " << w << '\n';
        tables.push_back(std::move(*t));
    }
    auto indexed = ad::mapping_tables::build(std::move(tables));
    if (!indexed) {
        std::cerr << "table: " << indexed.failure().why << '\n';
        return refused;
    }
    out.tables = std::move(*indexed);
    return out;
}

int run_parse(address_options const& opt, bool validate)
{
    if (opt.form != "std-or" && opt.form != "labelled" && opt.form != "imcea") {
        std::cerr << "usage: --form std-or|labelled|imcea\n";
        return usage;
    }
    if (opt.form == "imcea" && opt.domain.empty()) {
        std::cerr << "usage: --form imcea needs --domain DOMAIN\n";
        return usage;
    }
    auto a = ad::parse_or_text(opt.text);
    if (!a) {
        std::cerr << "parse: " << with_offset(a.failure()) << '\n';
        return refused;
    }
    if (validate) {
        if (auto e = ad::check_or_address(*a)) {
            std::cerr << "validate: " << e->why << '\n';
            return refused;
        }
    }
    if (opt.json)
        std::cout << boost::json::serialize(to_json(*a)) << '\n';
    else if (opt.form == "labelled")
        std::cout << ad::render_labelled(*a) << '\n';
    else if (opt.form == "imcea")
        std::cout << ad::render_imcea("X400", ad::render_exchange(*a), opt.domain) << '\n';
    else
        std::cout << ad::render_std_or(*a) << '\n';
    return ok;
}

int run_to_rfc822(address_options const& opt)
{
    auto r = parse_role(opt.role);
    if (!r) {
        std::cerr << "usage: --role recipient|header|return\n";
        return usage;
    }
    auto setup = setup_mapping(opt, false);
    if (auto const* status = std::get_if<int>(&setup))
        return *status;
    auto const& m = std::get<mapping_setup>(setup);
    auto a = ad::parse_or_text(opt.text);
    if (!a) {
        std::cerr << "parse: " << with_offset(a.failure()) << '\n';
        return refused;
    }
    if (auto e = ad::check_or_address(*a)) {
        std::cerr << "validate: " << e->why << '\n';
        return refused;
    }
    auto mapped = ad::map_x400_to_822(*a, *r, m.identity, m.tables);
    if (!mapped) {
        auto const& f = mapped.failure();
        std::cerr << "map: " << f.code << ' ' << f.status << ' ' << f.why << '\n';
        return refused;
    }
    std::cout << mapped->address << '\n';
    return ok;
}

int run_to_x400(address_options const& opt)
{
    auto r = parse_role(opt.role);
    if (!r) {
        std::cerr << "usage: --role recipient|header|return\n";
        return usage;
    }
    auto setup = setup_mapping(opt, true);
    if (auto const* status = std::get_if<int>(&setup))
        return *status;
    auto const& m = std::get<mapping_setup>(setup);
    auto mapped = ad::map_written_822_to_x400(opt.text, *r, m.identity, m.tables);
    if (!mapped) {
        auto const& f = mapped.failure();
        std::cerr << "map: " << f.code << ' ' << f.status << ' ' << f.why << '\n';
        return refused;
    }
    print_address(mapped->address, opt.json);
    return ok;
}

int run_table_check(address_options const& opt)
{
    auto kind = ad::parse_table_kind(opt.kind);
    if (!kind) {
        std::cerr << "usage: --kind or-to-domain|domain-to-or|gate-or-to-domain|gate-domain-to-or\n";
        return usage;
    }
    auto t = ad::load_table_file(opt.file, *kind);
    if (!t) {
        std::cerr << "table: " << t.failure().why << '\n';
        return refused;
    }
    for (auto const& w : t->warnings)
        std::cerr << "warning: " << w << '\n';
    std::cout << opt.file << ": " << t->entries.size() << " entries, " << ad::kind_name(*kind) << '\n';
    return ok;
}

int run_table_convert(address_options const& opt)
{
    auto kind = ad::parse_table_kind(opt.kind);
    if (!kind) {
        std::cerr << "usage: --kind or-to-domain|domain-to-or|gate-or-to-domain|gate-domain-to-or\n";
        return usage;
    }
    if (opt.to != "dns" && opt.to != "mixer") {
        std::cerr << "usage: --to dns|mixer\n";
        return usage;
    }
    if (opt.to == "dns") {
        auto t = ad::load_table_file(opt.file, *kind);
        if (!t) {
            std::cerr << "table: " << t.failure().why << '\n';
            return refused;
        }
        auto zone = ad::render_px(*t);
        if (!zone) {
            std::cerr << "table: " << zone.failure().why << '\n';
            return refused;
        }
        std::cout << *zone;
        return ok;
    }
    auto text = ad::read_text_file(opt.file);
    if (!text) {
        std::cerr << "table: " << text.failure().why << '\n';
        return refused;
    }
    auto t = ad::parse_px(*text, *kind, opt.file);
    if (!t) {
        std::cerr << "table: " << t.failure().why << '\n';
        return refused;
    }
    for (auto const& w : t->warnings)
        std::cerr << "warning: " << w << '\n';
    std::cout << ad::render_table(*t);
    return ok;
}

} // namespace

void add_address_commands(CLI::App& app, int& status)
{
    auto opt = std::make_shared<address_options>();
    auto* address = app.add_subcommand("address", "O/R addresses and the RFC 2156 mapping, offline");
    address->require_subcommand(1);
    address->add_option("--config", opt->config_file, "gateway configuration file (TOML, [addressing])");
    address->add_option("--gateway-domain", opt->gateway_domain, "the gateway's own RFC 822 domain");
    address->add_option("--gateway-or", opt->gateway_or, "the gateway's own O/R address");
    // One value per --table, so a positional argument after it stays positional.
    address->add_option("--table", opt->table_specs, "KIND=FILE, repeatable")
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

    auto* parse = address->add_subcommand("parse", "parse any O/R address text form (syntax only)");
    parse->add_option("text", opt->text, "the O/R address")->required();
    parse->add_option("--form", opt->form, "output: std-or (default), labelled, imcea");
    parse->add_option("--domain", opt->domain, "domain for --form imcea");
    parse->add_flag("--json", opt->json, "print the attributes as JSON");
    parse->fallthrough();
    parse->callback([opt, &status] { status = run_parse(*opt, false); });

    auto* validate = address->add_subcommand("validate", "parse, then apply the X.411 bounds and form rules");
    validate->add_option("text", opt->text, "the O/R address")->required();
    validate->add_flag("--json", opt->json, "print the attributes as JSON");
    validate->fallthrough();
    validate->callback([opt, &status] { status = run_parse(*opt, true); });

    auto* to822 = address->add_subcommand("to-rfc822", "map an O/R address to RFC 822 (RFC 2156 4.3.5)");
    to822->add_option("text", opt->text, "the O/R address")->required();
    to822->add_option("--role", opt->role, "recipient (default), header, return");
    to822->fallthrough();
    to822->callback([opt, &status] { status = run_to_rfc822(*opt); });

    auto* tox400 = address->add_subcommand("to-x400", "map an RFC 822 address to X.400 (RFC 2156 4.3.4)");
    tox400->add_option("address", opt->text, "the RFC 822 address")->required();
    tox400->add_option("--role", opt->role, "recipient (default), header, return");
    tox400->add_flag("--json", opt->json, "print the attributes as JSON");
    tox400->fallthrough();
    tox400->callback([opt, &status] { status = run_to_x400(*opt); });

    auto* table = address->add_subcommand("table", "check or convert a MIXER table");
    table->require_subcommand(1);
    table->fallthrough();
    auto* check = table->add_subcommand("check", "check a table file (App. F syntax)");
    check->add_option("--kind", opt->kind, "or-to-domain, domain-to-or, gate-or-to-domain, gate-domain-to-or")
        ->required();
    check->add_option("file", opt->file, "the table file")->required();
    check->fallthrough();
    check->callback([opt, &status] { status = run_table_check(*opt); });

    auto* convert = table->add_subcommand("convert", "convert between App. F tables and RFC 2163 PX records");
    convert->add_option("--kind", opt->kind, "or-to-domain, domain-to-or, gate-or-to-domain, gate-domain-to-or")
        ->required();
    convert->add_option("--to", opt->to, "dns (PX records) or mixer (App. F table)")->required();
    convert->add_option("file", opt->file, "the input file")->required();
    convert->fallthrough();
    convert->callback([opt, &status] { status = run_table_convert(*opt); });
}

} // namespace x400gw::cli
