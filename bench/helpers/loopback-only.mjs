// Preloaded (--import) into the Portkey gateway process by bench/server: its start-server binds every
// interface; this pins any listen without a host to 127.0.0.1 and reports the port to the parent.
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== "string") args.splice(1, 0, "127.0.0.1");
  } else if (args[0] && typeof args[0] === "object" && args[0].host === undefined && args[0].path === undefined) {
    args[0] = { ...args[0], host: "127.0.0.1" };
  }
  this.once("listening", () => {
    const address = this.address();
    if (address && typeof address === "object" && process.send) process.send({ type: "ready", port: address.port });
  });
  return listen.apply(this, args);
};
process.on("disconnect", () => process.exit(0));
