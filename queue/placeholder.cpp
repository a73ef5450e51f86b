namespace x400gw::queue {}
