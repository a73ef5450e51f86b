# deploy/install.cmake: the install steps that depend on the prefix or on
# what is already on the machine; run by `cmake --install` and by CPack
# (install(SCRIPT) in the top CMakeLists.txt, after X400GW_SOURCE_DIR is set).
# CMAKE_INSTALL_PREFIX is the prefix the files will live under (/usr for
# the package), DESTDIR the staging directory, if any.

set(prefix "${CMAKE_INSTALL_PREFIX}")
set(stage "$ENV{DESTDIR}")

# The systemd unit: deploy/x400gw.service names /usr/local, the prefix of
# a hand installation; the installed copy names this prefix. systemd reads
# units from /usr/lib/systemd/system and /usr/local/lib/systemd/system.
file(READ "${X400GW_SOURCE_DIR}/deploy/x400gw.service" unit)
string(REPLACE "/usr/local/" "${prefix}/" unit "${unit}")
set(unit_dir "${stage}${prefix}/lib/systemd/system")
file(MAKE_DIRECTORY "${unit_dir}")
file(WRITE "${unit_dir}/x400gw.service" "${unit}")
message(STATUS "Installing: ${unit_dir}/x400gw.service")
list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${unit_dir}/x400gw.service")

# /etc/x400gw/x400gw.conf: the example configuration with a note for an
# installed gateway. An existing file is the operator's and is kept (the
# package lists it as a conffile, so dpkg keeps it too); the new default
# then goes beside it as x400gw.conf.default.
file(READ "${X400GW_SOURCE_DIR}/deploy/x400gw.example.conf" example)
set(conf "# /etc/x400gw/x400gw.conf, as installed. The gateway refuses to start
# until [database] conninfo names its PostgreSQL database, e.g.
#   conninfo = \"host=db.example port=5432 dbname=x400gw user=x400gw passfile=/etc/x400gw/pgpass\"
# Check it with: x400gw --check-config; start it with:
#   systemctl enable --now x400gw
# See ${prefix}/share/doc/x400gw/operations.md.
#
${example}")
set(conf_dir "${stage}/etc/x400gw")
file(MAKE_DIRECTORY "${conf_dir}")
if(EXISTS "${conf_dir}/x400gw.conf")
  file(WRITE "${conf_dir}/x400gw.conf.default" "${conf}")
  message(STATUS "Keeping: ${conf_dir}/x400gw.conf (the default is x400gw.conf.default beside it)")
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${conf_dir}/x400gw.conf.default")
else()
  file(WRITE "${conf_dir}/x400gw.conf" "${conf}")
  message(STATUS "Installing: ${conf_dir}/x400gw.conf")
  list(APPEND CMAKE_INSTALL_MANIFEST_FILES "${conf_dir}/x400gw.conf")
endif()
