/** Pure parsers for virsh, libvirt XML, xl, xentop and xenstore output, and the failure classifier. */
export * from './parse-error';
export * from './line-splitter';
export * from './libvirt-states';
export * from './virsh-domstats';
export * from './virsh-list';
export * from './virsh-key-values';
export * from './virsh-event';
export * from './libvirt-domain-xml';
export * from './xl-list';
export * from './xl-list-json';
export * from './xl-info';
export * from './xentop';
export * from './xenstore-watch';
export * from './classify-failure';
export * from './display-endpoints';
