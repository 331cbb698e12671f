export { outboundAgent, outboundDispatcher, outboundFetch } from "./outbound";
export { bypassesProxy, type ProxyEnv, parseProxyUrl, proxyFor, redactProxy } from "./proxy-env";
